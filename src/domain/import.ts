import { z } from "zod";
import type { ItemState, ManualEvent } from "../machines/registry";
import { erpOrderRef, eventName, quantity } from "./inputs";
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
export interface OrderImportRow {
  index: number;
  /** The row named the order by this custom reference: the object confirms it still has it. */
  customOrderReference?: string | undefined;
  item?: z.infer<typeof importItem> | undefined;
  event: string;
  quantity?: number | undefined;
}

export type ImportRowStatus = "applied" | "skipped" | "unknown-order" | "invalid";

export interface ImportRowReport {
  /** The row's position in the request, from 0. */
  index: number;
  status: ImportRowStatus;
  orderReference?: string;
  message?: string;
  /** `skipped`: the states of the addressed items and the events each of them accepts. */
  states?: { state: ItemState; accepts: ManualEvent[] }[];
}

/** The answer to an import, and to every replay of the same import id. */
export interface ImportReport {
  importId: string;
  /** Present on a dry run's report: `applied` there means "would be applied". */
  dryRun?: true;
  counts: Record<"applied" | "skipped" | "unknownOrder" | "invalid", number>;
  rows: ImportRowReport[];
}

/** The inbound ERP webhook of type `orders.events.import`: the same as `orders.importEvents`. */
export const importWebhookBody = importEventsInput.omit({ dryRun: true }).extend({
  type: z.literal("orders.events.import"),
});
