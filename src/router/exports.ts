import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listDeliveries } from "../db/deliveries";
import { type DeliveryList, type DeliveryView, parseWebhookId } from "../domain/deliveries";
import { orderReference } from "../domain/inputs";
import { limits } from "../domain/limits";
import { backofficeProcedure, router, staffProcedure, unwrap } from "./trpc";

/**
 * Order events sent to the ERP (README "ERP integration"): every delivery with its status, and a
 * failed one sent again. Lists come from D1's index, fed by the order objects.
 */
export const exportsRouter = router({
  /** Deliveries across orders, newest first (from D1); filter by order and status. */
  list: staffProcedure
    .input(
      z.strictObject({
        orderReference: orderReference.optional(),
        status: z.enum(["pending", "delivered", "failed"]).optional(),
        cursor: z.string().max(500).optional(),
        limit: z.number().int().min(1).max(limits.maxListLimit).default(20),
      }),
    )
    .query(async ({ ctx, input }): Promise<DeliveryList> => {
      const result = await listDeliveries(ctx.db, input);
      if ("badCursor" in result)
        throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor of this list" });
      return result;
    }),

  /** Sends a failed delivery again (a new round of attempts); it goes before later events. */
  retry: backofficeProcedure
    .input(z.strictObject({ id: z.string().min(1).max(300) }))
    .mutation(async ({ ctx, input }): Promise<DeliveryView> => {
      const named = parseWebhookId(input.id);
      if (!named) throw new TRPCError({ code: "NOT_FOUND", message: `no delivery ${input.id}` });
      const stub = ctx.env.ORDERS.getByName(named.orderReference);
      return unwrap(await stub.retryDelivery(named.sequence)).delivery;
    }),
});
