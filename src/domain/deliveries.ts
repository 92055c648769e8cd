import { z } from "zod";
import { jsonObject } from "./json";

/**
 * ERP deliveries: each event of an order sent to the ERP (ERP_EXPORT_URL), one at a time in
 * the order's sequence. The API calls the list `exports.list` and its rows `deliveries`.
 */

/** `dead` is the outbox's word for a delivery out of attempts; the ERP contract says `failed`. */
export const deliveryStatus = z.enum(["pending", "delivered", "failed"]);
export type DeliveryStatus = z.infer<typeof deliveryStatus>;

/** A delivery as operators see it (`exports.list`, `exports.retry`). */
export const deliveryView = z.object({
  /** The delivery's `webhook-id` (msg_<orderReference>_<sequence>). */
  id: z.string(),
  orderReference: z.string(),
  sequence: z.number().int(),
  type: z.string(),
  status: deliveryStatus,
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});
export interface DeliveryView extends z.infer<typeof deliveryView> {}

/** A page of `exports.list`. */
export const deliveryList = z.object({
  deliveries: z.array(deliveryView),
  nextCursor: z.string().nullable(),
});
export interface DeliveryList extends z.infer<typeof deliveryList> {}

/**
 * A delivery's outbox payload: the engine's event (its type, when it happened, the custom
 * reference then, its little data) and the order version it belongs to. What is large is
 * rendered when it is sent.
 */
export const deliveryPayload = z.object({
  type: z.string(),
  at: z.number(),
  customOrderReference: z.string().nullable(),
  data: jsonObject,
  version: z.number().int(),
});
export type DeliveryPayload = z.infer<typeof deliveryPayload>;

/** The `webhook-id` of an order's event: the same on every attempt, unique in the service. */
export const webhookId = (orderReference: string, sequence: number) =>
  `msg_${orderReference}_${sequence}`;

/** The order reference and sequence a `webhook-id` names, or null. */
export function parseWebhookId(id: string): { orderReference: string; sequence: number } | null {
  const match = /^msg_(.+)_(\d{1,9})$/.exec(id);
  if (!match?.[1] || !match[2]) return null;
  return { orderReference: match[1], sequence: Number(match[2]) };
}
