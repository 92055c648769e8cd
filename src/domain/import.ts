import { z } from "zod";
import { erpOrderRef, eventName, quantity } from "./inputs";
import { itemState, manualEvent } from "./processes";
import { requiredText } from "./text";

/** At most this many rows per import (Spryker's order-status import takes files of this size). */
export const MAX_IMPORT_ROWS = 10_000;

/** The items of an order a row addresses: one item, or the items of a SKU; absent: all. */
export const importItem = z.union([
  z.strictObject({ id: requiredText(40) }),
  z.strictObject({ sku: requiredText(100) }),
]);

/** One row of a bulk status import: an event for an order's items, as a warehouse sends it. */
export const importRow = z
  .strictObject({
    order: erpOrderRef,
    item: importItem.optional(),
    event: eventName,
    quantity: quantity.optional(),
  })
  .refine((row) => row.quantity === undefined || row.item !== undefined, {
    path: ["quantity"],
    message: "a quantity needs an item (id or sku)",
  });
export type ImportRow = z.infer<typeof importRow>;

/**
 * `orders.importEvents` and the `orders.events.import` webhook. Rows are typed for callers but
 * checked one by one by the import, so a malformed row fails alone (`invalid`) instead of
 * refusing the whole file.
 */
export const importEventsInput = z.strictObject({
  importId: requiredText(255),
  rows: z
    .array(z.custom<z.input<typeof importRow>>(() => true))
    .min(1)
    .max(MAX_IMPORT_ROWS),
  /**
   * What the rows would do, computed by each order as it stands now, without writing anything:
   * no claim of the import id, no report kept (send the same rows again without it to apply).
   */
  dryRun: z.boolean().optional(),
});
export type ImportEventsInput = z.infer<typeof importEventsInput>;

/** A row as its order object receives it: the order already found. */
export const orderImportRow = z.object({
  index: z.number().int(),
  /** The row named the order by this custom reference: the object confirms it still has it. */
  customOrderReference: z.string().optional(),
  item: importItem.optional(),
  event: z.string(),
  quantity: z.number().int().optional(),
});
export type OrderImportRow = z.infer<typeof orderImportRow>;

export const importRowStatus = z.enum(["applied", "skipped", "unknown-order", "invalid"]);
export type ImportRowStatus = z.infer<typeof importRowStatus>;

/** A state of the addressed items that does not accept the event, and the events it accepts. */
export const refusedState = z.object({ state: itemState, accepts: z.array(manualEvent) });

export const importRowReport = z.object({
  /** The row's position in the request, from 0. */
  index: z.number().int(),
  status: importRowStatus,
  orderReference: z.string().optional(),
  message: z.string().optional(),
  /** `skipped`: the states of the addressed items and the events each of them accepts. */
  states: z.array(refusedState).optional(),
});
export interface ImportRowReport extends z.infer<typeof importRowReport> {}

/** The answer to an import, and to every replay of the same import id. */
export const importReport = z.object({
  importId: z.string(),
  /** Present on a dry run's report: `applied` there means "would be applied". */
  dryRun: z.literal(true).optional(),
  counts: z.object({
    applied: z.number().int(),
    skipped: z.number().int(),
    unknownOrder: z.number().int(),
    invalid: z.number().int(),
  }),
  rows: z.array(importRowReport),
});
export interface ImportReport extends z.infer<typeof importReport> {}

/** Orders D1 listed under one row's custom reference at the claim: how many, and the first five. */
export const foundOrders = z.object({ count: z.number().int(), references: z.array(z.string()) });
/** Per row index (rows that name their order by custom reference): what D1 listed at the claim. */
export const importResolution = z.record(z.string(), foundOrders);
export type ImportResolution = z.infer<typeof importResolution>;

/** The inbound ERP webhook of type `orders.events.import`: the same as `orders.importEvents`. */
export const importWebhookBody = importEventsInput.omit({ dryRun: true }).extend({
  type: z.literal("orders.events.import"),
});
