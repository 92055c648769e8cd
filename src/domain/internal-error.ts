/**
 * A fault of ours, as a caller sees it: "internal error" and an id, never the internal text
 * (it may name tables, processes, configuration or other customers' data). The log line with
 * the real error carries the same id, so an operator finds it from a caller's report.
 */
export const INTERNAL_ERROR_MESSAGE = "internal error";

// One id per error object: whoever reports it (the logger, the response) names the same id.
const ids = new WeakMap<object, string>();

export function errorIdOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return crypto.randomUUID();
  let id = ids.get(error);
  if (!id) {
    id = crypto.randomUUID();
    ids.set(error, id);
  }
  return id;
}

/** Writes the fault as one JSON line (id, context, the real error and its causes); returns the id. */
export function logInternalError(error: unknown, context: Record<string, unknown> = {}): string {
  const errorId = errorIdOf(error);
  console.error(
    JSON.stringify({
      level: "error",
      message: INTERNAL_ERROR_MESSAGE,
      errorId,
      ...context,
      error: describe(error),
      stack: error instanceof Error ? error.stack : undefined,
    }),
  );
  return errorId;
}

/** The error's message followed by its causes' (a tRPC error wraps what was thrown). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 5; ) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" <- caused by ");
}
