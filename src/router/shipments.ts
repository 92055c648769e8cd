import { createShipmentInput, moveItemsInput, updateShipmentInput } from "../domain/inputs";
import type { OrderView } from "../domain/order-view";
import { actorOf } from "./orders";
import { backofficeProcedure, router, unwrap } from "./trpc";

export const shipmentsRouter = router({
  /** Moves the given items or quantities into a new shipment (expense 0). */
  create: backofficeProcedure
    .input(createShipmentInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.createShipment(rest, actorOf(ctx.principal))).order;
    }),

  /** Changes address, method or requested delivery date while nothing in it has shipped. */
  update: backofficeProcedure
    .input(updateShipmentInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.updateShipment(rest, actorOf(ctx.principal))).order;
    }),

  /** Moves items or quantities into another shipment; an emptied shipment is deleted. */
  moveItems: backofficeProcedure
    .input(moveItemsInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.moveItems(rest, actorOf(ctx.principal))).order;
    }),
});
