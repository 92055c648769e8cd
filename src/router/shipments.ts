import { z } from "zod";
import {
  address,
  isoDate,
  itemSelection,
  method,
  mutationOptions,
  orderReference,
} from "../domain/inputs";
import { requiredText } from "../domain/text";
import type { OrderView } from "../domain/view";
import { actorOf } from "./orders";
import { backofficeProcedure, router, unwrap } from "./trpc";

const shipmentId = requiredText(40);

export const shipmentsRouter = router({
  /** Moves the given items or quantities into a new shipment (expense 0). */
  create: backofficeProcedure
    .input(
      z.strictObject({
        reference: orderReference,
        address,
        method,
        requestedDeliveryDate: isoDate.optional(),
        items: itemSelection,
        ...mutationOptions,
      }),
    )
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.createShipment(rest, actorOf(ctx.principal))).order;
    }),

  /** Changes address, method or requested delivery date while nothing in it has shipped. */
  update: backofficeProcedure
    .input(
      z.strictObject({
        reference: orderReference,
        shipmentId,
        address: address.optional(),
        method: method.optional(),
        requestedDeliveryDate: isoDate.optional(),
        ...mutationOptions,
      }),
    )
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.updateShipment(rest, actorOf(ctx.principal))).order;
    }),

  /** Moves items or quantities into another shipment; an emptied shipment is deleted. */
  moveItems: backofficeProcedure
    .input(
      z.strictObject({
        reference: orderReference,
        toShipmentId: shipmentId,
        items: itemSelection,
        ...mutationOptions,
      }),
    )
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.moveItems(rest, actorOf(ctx.principal))).order;
    }),
});
