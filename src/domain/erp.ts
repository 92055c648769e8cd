import { z } from "zod";
import { importReport, importWebhookBody } from "./import";
import { erpOrderRef, eventName, target } from "./inputs";
import { customOrderReference, text } from "./text";

export { erpOrderRef };

export const erpCustomReferenceSet = z
  .strictObject({
    type: z.literal("order.custom-reference.set"),
    order: erpOrderRef,
    customOrderReference: customOrderReference.meta({ description: '"" clears it' }),
  })
  .meta({ id: "ErpCustomReferenceSet", description: "Sets or clears the custom reference." });

export const erpItemsEvent = z
  .strictObject({
    type: z.literal("order.items.event"),
    order: erpOrderRef,
    event: eventName,
    target,
    data: z
      .strictObject({ trackingNumber: text(100).optional(), carrier: text(100).optional() })
      .optional(),
  })
  .meta({
    id: "ErpItemsEvent",
    description: "Triggers a process event on items; tracking data lands on their shipments.",
  });

/** Every inbound body, by `type`: a new type is a new member here and a handler in erp.ts. */
export const erpWebhookBody = z
  .discriminatedUnion("type", [
    erpCustomReferenceSet,
    erpItemsEvent,
    importWebhookBody.meta({
      id: "ErpEventsImport",
      description:
        "A bulk status import (as orders.importEvents): rows applied per order, idempotent by importId.",
    }),
  ])
  .meta({ id: "ErpWebhookBody" });
export type ErpWebhookBody = z.infer<typeof erpWebhookBody>;
/** The command part of a webhook for one order, once the order is found. */
export type ErpCommand =
  | { type: "order.custom-reference.set"; customOrderReference: string }
  | Omit<Extract<ErpWebhookBody, { type: "order.items.event" }>, "order">;

/** The answer to a bulk status import: its report (the same to every replay). */
export const erpImported = z
  .object({ ok: z.literal(true), report: importReport })
  .meta({ id: "ErpImported" });

/** What the ERP is told of the order its command changed. */
export const erpAcceptedOrder = z.object({
  reference: z.string(),
  version: z.number().int(),
  itemStates: z.record(z.string(), z.number().int()),
});
export type ErpAcceptedOrder = z.infer<typeof erpAcceptedOrder>;

export const erpAccepted = z
  .object({ ok: z.literal(true), order: erpAcceptedOrder })
  .meta({ id: "ErpAccepted" });

export const erpRefused = z
  .object({
    ok: z.literal(false),
    error: z.object({
      code: z.string(),
      message: z.string(),
      /** 400: every problem with the body, by field path. */
      issues: z
        .array(
          z.object({
            path: z.array(z.union([z.string(), z.number()])),
            message: z.string(),
          }),
        )
        .optional(),
      /** 409: the orders that share the custom reference. */
      references: z.array(z.string()).optional(),
    }),
  })
  .meta({ id: "ErpRefused", description: "error.message names the field or the reason" });

/** A webhook's answer: what the receipt keeps (D1) and every replay gets again. */
export const erpResponse = z.object({
  status: z.literal([200, 400, 404, 409, 412, 422]),
  body: z.union([erpAccepted, erpRefused, erpImported]),
});
export type ErpResponse = z.infer<typeof erpResponse>;
