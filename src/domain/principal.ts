/**
 * `backoffice` does everything; `support` reads everything the back office shows and adds notes,
 * and moves nothing (no events, edits, retries, imports, money).
 */
export const roles = ["customer", "checkout", "backoffice", "support"] as const;
export type Role = (typeof roles)[number];

/** Who caused a change: a signed-in caller, the clock, or the ERP. */
export type Actor =
  | { type: "user"; role: Role; sub: string }
  | { type: "timer" }
  | { type: "erp" }
  | { type: "system" };

export const actorLabel = (actor: Actor): string =>
  actor.type === "user" ? `${actor.role}:${actor.sub}` : actor.type;

/** A signed-in customer: sees and cancels only its own orders. */
export const isCustomer = (
  actor: Actor,
): actor is { type: "user"; role: "customer"; sub: string } =>
  actor.type === "user" && actor.role === "customer";
