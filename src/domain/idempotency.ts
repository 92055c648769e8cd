import { z } from "zod";
import { type Failure, failure } from "./result";

/**
 * What an order object remembers of an idempotent command, so a replay gets the first answer:
 * its version (the order is shown as it is now) and a compact form of what else it returned,
 * or the refusal (for callers promised the first answer, refusals included).
 */

/** How long an idempotency record answers replays (Stripe's rule: at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;

export const rememberedAnswer = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), version: z.number().int(), extra: z.unknown().optional() }),
  failure,
]);
export type RememberedAnswer = z.infer<typeof rememberedAnswer>;

/**
 * What moved and what was skipped, compact enough to keep as the record of a 10,000-item event
 * (ids grouped by transition and by state) and expanded back exactly.
 */
export const compactOutcome = z.object({
  event: z.string(),
  /** [from, to, [itemId, quantity][]] */
  moved: z.array(z.tuple([z.string(), z.string(), z.array(z.tuple([z.string(), z.number()]))])),
  /** [state, itemIds] */
  skipped: z.array(z.tuple([z.string(), z.array(z.string())])),
});
export type CompactOutcome = z.infer<typeof compactOutcome>;

/** Each command's outcome in a sequence (a bulk import): null when it applied, else the refusal. */
export type SequenceOutcome = Failure | null;

/** A sequence's outcomes as stored: every distinct refusal once, and per command its index. */
export const storedOutcomes = z.object({
  refusals: z.array(failure),
  /** -1: applied; otherwise an index into `refusals`. */
  outcomes: z.array(z.number().int()),
});
export type StoredOutcomes = z.infer<typeof storedOutcomes>;
