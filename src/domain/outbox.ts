import { z } from "zod";

/**
 * The order's outbox as operators see it (`outbox.list`, `outbox.retry`, `outbox.dead`), and
 * the payloads its rows carry. ERP deliveries are outbox rows too (src/domain/deliveries.ts).
 */

export const outboxKind = z.enum(["projection", "mail", "invoice", "credit-note", "erp"]);
export type OutboxKind = z.infer<typeof outboxKind>;

/** An effect waiting, retrying or dead, times as ISO strings. */
export const outboxView = z.object({
  id: z.number().int(),
  kind: z.string(),
  status: z.enum(["pending", "dead"]),
  attempts: z.number().int(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export interface OutboxView extends z.infer<typeof outboxView> {}

/** The kinds and ids of an order's dead effects, as its projection reports them (D1). */
export const deadEffects = z.array(z.object({ id: z.number().int(), kind: z.string() }));
export type DeadEffects = z.infer<typeof deadEffects>;

/** Orders with effects that ran out of attempts (`outbox.dead`), a page. */
export const deadEffectsList = z.object({
  orders: z.array(z.object({ reference: z.string(), updatedAt: z.string(), effects: deadEffects })),
  nextCursor: z.string().nullable(),
});
export interface DeadEffectsList extends z.infer<typeof deadEffectsList> {}

/** A credit-note row's payload: the history entry (seq) whose money move it credits. */
export const creditNotePayload = z.object({ key: z.number().int().min(1) });
