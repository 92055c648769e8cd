import { z } from "zod";
import { orderView } from "./order-view";
import { itemState, manualEvent } from "./processes";

/** What `orders.events` lists per item: the manual events its state accepts now. */
export const itemEvents = z.object({
  itemId: z.string(),
  shipmentId: z.string(),
  state: itemState,
  events: z.array(manualEvent),
});
export interface ItemEvents extends z.infer<typeof itemEvents> {}

/** An item (or the part of it that was split off) that an event moved. */
export const movedItem = z.object({
  itemId: z.string(),
  from: itemState,
  to: itemState,
  quantity: z.number().int(),
});
export interface MovedItem extends z.infer<typeof movedItem> {}

/** A targeted item whose state did not accept the event. */
export const skippedItem = z.object({
  itemId: z.string(),
  state: itemState,
  reason: z.string(),
});
export interface SkippedItem extends z.infer<typeof skippedItem> {}

/** What `orders.trigger` returns (with `dryRun`, what would happen; nothing is stored). */
export const triggerResult = z.object({
  order: orderView,
  moved: z.array(movedItem),
  skipped: z.array(skippedItem),
});
export interface TriggerResult extends z.infer<typeof triggerResult> {}
