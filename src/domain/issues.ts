/**
 * Validation issues as one line a person can read: "customer.email: Invalid email address;
 * lines[0].quantity: Too small: expected number to be >=1". Accepts zod's issues and the
 * Standard Schema issues tRPC hands on (whose path segments may be `{ key }` objects).
 */
export interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined;
  message: string;
}

/** At most this many issues are spelled out; the rest are counted. */
const SHOWN = 5;

/** `lines[0].quantity`; `input` for an issue about the whole value. */
export function fieldName(path: IssueLike["path"]): string {
  let name = "";
  for (const segment of path ?? []) {
    const key = typeof segment === "object" ? segment.key : segment;
    if (typeof key === "number") name += `[${key}]`;
    else name += name === "" ? String(key) : `.${String(key)}`;
  }
  return name || "input";
}

export function describeIssues(issues: readonly IssueLike[]): string {
  const shown = issues.slice(0, SHOWN).map((i) => `${fieldName(i.path)}: ${i.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")} (and ${more} more)` : shown.join("; ");
}
