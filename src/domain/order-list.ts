import { z } from "zod";
import { itemStates } from "./order-view";
import { itemState } from "./processes";

/** A row of `orders.list`, read from D1. */
export const orderSummary = z.object({
  reference: z.string(),
  customerReference: z.string(),
  customOrderReference: z.string().nullable(),
  /** Empty strings for an order not projected since these were added. */
  customer: z.object({ email: z.string(), name: z.string() }),
  /** The state most of the order's quantity is in. */
  state: itemState,
  itemStates,
  grandTotal: z.number().int(),
  currency: z.string(),
  placedAt: z.string(),
  updatedAt: z.string(),
  isCancellable: z.boolean(),
  cancellableUntil: z.string(),
  version: z.number().int(),
});
export interface OrderSummary extends z.infer<typeof orderSummary> {}

/** A page of `orders.list`. */
export const orderList = z.object({
  orders: z.array(orderSummary),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export interface OrderList extends z.infer<typeof orderList> {}
