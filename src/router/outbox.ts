import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listDeadEffects } from "../db/queries";
import { orderReference } from "../domain/inputs";
import { limits } from "../domain/limits";
import type { DeadEffectsList, OutboxView } from "../domain/outbox";
import { wellFormed } from "../domain/text";
import { backofficeProcedure, router, staffProcedure, unwrap } from "./trpc";

/**
 * The order objects' outboxes, for operators: effects (confirmation mails, invoice jobs, ERP
 * deliveries) that keep failing end as `dead` after their attempts, stay visible here and can be
 * retried. Nothing is dropped silently.
 */
export const outboxRouter = router({
  /** One order's effects: waiting, retrying or dead (from its object, strongly consistent). */
  list: staffProcedure
    .input(z.strictObject({ orderReference }))
    .query(async ({ ctx, input }): Promise<OutboxView[]> => {
      const stub = ctx.env.ORDERS.getByName(input.orderReference);
      return unwrap(await stub.effects()).effects;
    }),

  /** Orders with dead effects, most recently changed first (from D1). */
  dead: staffProcedure
    .input(
      z.strictObject({
        cursor: wellFormed().max(500).optional(),
        limit: z.number().int().min(1).max(limits.maxListLimit).default(20),
      }),
    )
    .query(async ({ ctx, input }): Promise<DeadEffectsList> => {
      const result = await listDeadEffects(ctx.db, input);
      if ("badCursor" in result)
        throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor of this list" });
      return result;
    }),

  /** Gives a dead effect a new round of attempts, due now. */
  retry: backofficeProcedure
    .input(z.strictObject({ orderReference, id: z.number().int().min(1) }))
    .mutation(async ({ ctx, input }): Promise<OutboxView> => {
      const stub = ctx.env.ORDERS.getByName(input.orderReference);
      return unwrap(await stub.retryEffect(input.id)).effect;
    }),
});
