import { TRPCError } from "@trpc/server";
import { and, desc, eq, lt, or } from "drizzle-orm";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../db/cursor";
import { deadLetters } from "../db/schema";
import type { DeadLetterList, Requeued } from "../domain/dead-letters";
import { limits } from "../domain/limits";
import { requiredText, wellFormed } from "../domain/text";
import { backofficeProcedure, router, staffProcedure } from "./trpc";

/**
 * Invoice jobs that ended in the dead-letter queue, with their payload and (when the consumer
 * knew it, as for a configuration error) their last error; a retry puts the job back on the
 * `invoices` queue, e.g. once SELLER is fixed.
 */
export const deadLettersRouter = router({
  /** Newest first. */
  list: staffProcedure
    .input(
      z.strictObject({
        cursor: wellFormed().max(500).optional(),
        limit: z.number().int().min(1).max(limits.maxListLimit).default(20),
      }),
    )
    .query(async ({ ctx, input }): Promise<DeadLetterList> => {
      const cursor = input.cursor === undefined ? undefined : decodeCursor(input.cursor, 2);
      if (cursor === null)
        throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor of this list" });
      const [receivedAt = "", messageId = ""] = cursor ?? [];
      const rows = await ctx.db
        .select()
        .from(deadLetters)
        .where(
          cursor
            ? or(
                lt(deadLetters.receivedAt, receivedAt),
                and(eq(deadLetters.receivedAt, receivedAt), lt(deadLetters.messageId, messageId)),
              )
            : undefined,
        )
        .orderBy(desc(deadLetters.receivedAt), desc(deadLetters.messageId))
        .limit(input.limit + 1);
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      return {
        deadLetters: page.map((r) => ({
          id: r.messageId,
          queue: r.queue,
          body: parseBody(r.body),
          attempts: r.attempts,
          receivedAt: r.receivedAt,
          lastError: r.lastError,
        })),
        nextCursor:
          rows.length > input.limit && last
            ? encodeCursor([last.receivedAt, last.messageId])
            : null,
      };
    }),

  /** Puts the job back on the `invoices` queue (as it was sent) and forgets the dead letter. */
  retry: backofficeProcedure
    .input(z.strictObject({ id: requiredText(200) }))
    .mutation(async ({ ctx, input }): Promise<Requeued> => {
      const row = await ctx.db
        .select()
        .from(deadLetters)
        .where(eq(deadLetters.messageId, input.id))
        .get();
      if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `no dead letter ${input.id}` });
      await ctx.env.INVOICE_QUEUE.send(JSON.parse(row.body));
      await ctx.db.delete(deadLetters).where(eq(deadLetters.messageId, input.id));
      return { id: input.id, requeued: true as const };
    }),
});

/** A dead letter's body as the queue delivered it: any JSON (a job that never parsed, say). */
function parseBody(text: string): unknown {
  return JSON.parse(text);
}
