import { z } from "zod";
import { orderReference } from "./inputs";
import { amount, isoTime } from "./order-view";

/** An item as the diff compares it. */
const itemFacts = z.object({
  state: z.string(),
  quantity: z.number().int(),
  shipmentId: z.string(),
});

/** `orders.diff`: what changed between two versions of an order. */
export const orderDiff = z.object({
  reference: z.string(),
  from: z.object({ version: z.number().int(), at: isoTime, process: z.string() }),
  to: z.object({ version: z.number().int(), at: isoTime, process: z.string() }),
  /** Items that appeared, went (a split merged back, never in practice) or changed; null: absent. */
  items: z.array(
    z.object({
      id: z.string(),
      sku: z.string(),
      before: itemFacts.nullable(),
      after: itemFacts.nullable(),
    }),
  ),
  /** Shipments that appeared, went or changed (address, method, date, tracking, items). */
  shipments: z.array(
    z.object({
      id: z.string(),
      change: z.enum(["added", "removed", "changed"]),
      fields: z.array(z.string()),
    }),
  ),
  /** Money totals that changed: before and after, in minor units. */
  money: z.array(z.object({ total: z.string(), before: amount, after: amount })),
});
export interface OrderDiff extends z.infer<typeof orderDiff> {}

const version = z.number().int().min(1);

/** `orders.at`'s input. */
export const orderAtInput = z.strictObject({ reference: orderReference, version });

/** `orders.diff`'s input: two versions, `from` before (or equal to) `to`. */
export const orderDiffInput = z
  .strictObject({ reference: orderReference, from: version, to: version })
  .refine((i) => i.from <= i.to, { path: ["to"], message: "must not be before from" });
