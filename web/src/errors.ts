import { isOrderClientError } from "./api";

export const errorCode = (error: unknown): string | undefined =>
  isOrderClientError(error) ? error.data?.code : undefined;

/** The version the server holds now, when a command was refused as stale. */
export function currentVersionOf(error: unknown): number | undefined {
  if (errorCode(error) !== "CONFLICT" || !isOrderClientError(error)) return undefined;
  const data = error.data;
  const details = data && "details" in data ? (data.details as Record<string, unknown>) : undefined;
  const version = details?.currentVersion;
  return typeof version === "number" ? version : undefined;
}

/**
 * An error as a sentence for a person: the service's messages already name the field
 * ("address.country: must be …") or the state; this adds what the page did about it.
 */
export function describeError(error: unknown): string {
  if (!isOrderClientError(error)) return error instanceof Error ? error.message : String(error);
  const data = error.data;
  if (!data) return "The service did not answer. Check the connection and try again.";
  switch (data.code) {
    case "CONFLICT": {
      const current = currentVersionOf(error);
      return current === undefined
        ? error.message
        : `The order changed since this page showed it (it is at version ${current} now). The page has been reloaded: check the order and try again.`;
    }
    case "UNAUTHORIZED":
      return "Your sign-in is no longer valid. Sign in again with a fresh token.";
    case "FORBIDDEN":
      return `Not allowed: ${error.message}`;
    default:
      return error.message;
  }
}
