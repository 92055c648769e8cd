import { z } from "zod";
import { eventName, orderReference, target } from "./inputs";
import { customOrderReference, requiredText, text } from "./text";

/** How an ERP names an order: ours, or its own reference. */
export const erpOrderRef = z.union([
  z.strictObject({ reference: orderReference }),
  z.strictObject({ customOrderReference: requiredText(255) }),
]);

export const erpWebhookBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("order.custom-reference.set"),
    order: erpOrderRef,
    customOrderReference,
  }),
  z.strictObject({
    type: z.literal("order.items.event"),
    order: erpOrderRef,
    event: eventName,
    target,
    data: z
      .strictObject({ trackingNumber: text(100).optional(), carrier: text(100).optional() })
      .optional(),
  }),
]);
export type ErpWebhookBody = z.infer<typeof erpWebhookBody>;
/** The command part of a webhook, once the order is found. */
export type ErpCommand =
  | { type: "order.custom-reference.set"; customOrderReference: string }
  | Omit<Extract<ErpWebhookBody, { type: "order.items.event" }>, "order">;

export interface ErpResponse {
  status: 200 | 400 | 404 | 409 | 412 | 422;
  body:
    | {
        ok: true;
        order: { reference: string; version: number; itemStates: Record<string, number> };
      }
    | { ok: false; error: { code: string; message: string } };
}
