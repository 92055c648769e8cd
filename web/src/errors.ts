import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "./api";

export type ApiError = TRPCClientError<AppRouter>;

export const isApiError = (error: unknown): error is ApiError => error instanceof TRPCClientError;

export const errorCode = (error: unknown): string | undefined =>
  isApiError(error) ? error.data?.code : undefined;

/** The version the server holds now, when a command was refused as stale. */
export function currentVersionOf(error: unknown): number | undefined {
  if (errorCode(error) !== "CONFLICT" || !isApiError(error)) return undefined;
  const details = error.data?.details as Record<string, unknown> | undefined;
  const version = details?.currentVersion;
  return typeof version === "number" ? version : undefined;
}

/** "zipCode" -> "zip code", [ "items", 0, "quantity" ] -> "items 1 › quantity". */
function fieldName(path: readonly (string | number)[]): string {
  return path
    .map((p) =>
      typeof p === "number" ? String(p + 1) : p.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(),
    )
    .join(" › ");
}

/** An error as a sentence for a person: the field or the state it is about, never JSON. */
export function describeError(error: unknown): string {
  if (!isApiError(error)) return error instanceof Error ? error.message : String(error);
  const data = error.data;
  if (!data) return "The service did not answer. Check the connection and try again.";
  switch (data.code) {
    case "BAD_REQUEST": {
      const issues = Array.isArray(data.issues) ? data.issues : [];
      if (issues.length === 0) return error.message;
      return issues
        .map((issue: { path?: (string | number)[]; message?: string }) => {
          const field = fieldName(issue.path ?? []);
          return field ? `${field}: ${issue.message}` : String(issue.message);
        })
        .join("; ");
    }
    case "CONFLICT": {
      const current = currentVersionOf(error);
      return current === undefined
        ? error.message
        : `The order changed since this page showed it (it is at version ${current} now). The page has been reloaded: check the order and try again.`;
    }
    case "UNAUTHORIZED":
      return "Your sign-in is no longer valid. Sign in again with a fresh token.";
    case "FORBIDDEN":
      return `Not allowed: ${error.message}.`;
    default:
      return error.message.endsWith(".") ? error.message : `${error.message}.`;
  }
}
