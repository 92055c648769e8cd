import { z } from "zod";
import { type ImportReport, importWebhookBody } from "./import";
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
  .object({
    ok: z.literal(true),
    report: z.object({
      importId: z.string(),
      counts: z.record(z.string(), z.number().int()),
      rows: z.array(
        z.object({
          index: z.number().int(),
          status: z.enum(["applied", "skipped", "unknown-order", "invalid"]),
          orderReference: z.string().optional(),
          message: z.string().optional(),
          states: z.array(z.object({ state: z.string(), accepts: z.array(z.string()) })).optional(),
        }),
      ),
    }),
  })
  .meta({ id: "ErpImported" });

export const erpAccepted = z
  .object({
    ok: z.literal(true),
    order: z.object({
      reference: z.string(),
      version: z.number().int(),
      itemStates: z.record(z.string(), z.number().int()),
    }),
  })
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

export interface ErpResponse {
  status: 200 | 400 | 404 | 409 | 412 | 422;
  body:
    | z.infer<typeof erpAccepted>
    | z.infer<typeof erpRefused>
    | { ok: true; report: ImportReport };
}
