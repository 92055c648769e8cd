import { z } from "zod";
import { taxCategory } from "./einvoice";
import { amount, isoTime, moneyTotals, orderView } from "./order-view";

// The outbound contract: what the service POSTs to ERP_EXPORT_URL. These schemas document it
// (GET /openapi.json); the order object renders the bodies (src/durable/erp-deliveries.ts).

/** What every event's `data` carries. */
const common = {
  orderReference: z.string(),
  sequence: z
    .number()
    .int()
    .min(1)
    .meta({ description: "1, 2, 3 … per order, no gaps; deliveries go out in this order" }),
  version: z.number().int().meta({ description: "the order version the event belongs to" }),
  customOrderReference: z.string().nullable(),
};

const envelope = <T extends string, D extends z.ZodRawShape>(
  type: T,
  data: D,
  description: string,
) =>
  z
    .object({
      type: z.literal(type),
      timestamp: isoTime.meta({ description: "when it happened" }),
      data: z.object({ ...common, ...data }),
    })
    .meta({ description });

export const orderExported = envelope(
  "order.exported",
  {
    itemIds: z.array(z.string()),
    order: orderView.meta({
      description: "the order when the event was sent; order.version says which version",
    }),
  },
  "A process command notifyErp ran (after the cancellation window): the ERP takes the order.",
).meta({ id: "OrderExported" });

export const orderItemsCancelled = envelope(
  "order.items.cancelled",
  {
    items: z.array(
      z.object({
        id: z.string(),
        sku: z.string(),
        quantity: z.number().int(),
        canceledAmount: amount,
      }),
    ),
  },
  "Items of an exported order were cancelled.",
).meta({ id: "OrderItemsCancelled" });

export const orderCustomReferenceChanged = envelope(
  "order.custom-reference.changed",
  { previousCustomOrderReference: z.string().nullable() },
  "The custom order reference changed after the export (customOrderReference is the new one).",
).meta({ id: "OrderCustomReferenceChanged" });

export const orderProcessMigrated = envelope(
  "order.process-migrated",
  {
    migrationId: z.string(),
    from: z.string().meta({ description: "the process version the order ran on, e.g. payment@1" }),
    to: z.string().meta({ description: "the one it runs on now, e.g. payment@2" }),
    states: z
      .record(z.string(), z.string())
      .meta({ description: "each state its items were in -> the state they are in now" }),
  },
  "An exported order was moved onto another version of its process (processes.migrate), when that version asks for the ERP to hear of it.",
).meta({ id: "OrderProcessMigrated" });

export const orderItemsRefunded = envelope(
  "order.items.refunded",
  {
    currency: z.string(),
    refundedAmount: amount.meta({ description: "what this refund moved, shipping included" }),
    refundedTotal: amount.meta({ description: "the order's refunded total after it" }),
    itemIds: z.array(z.string()),
    lines: z.array(
      z.object({
        lineId: z.string(),
        sku: z.string(),
        quantity: z.number().int(),
        refundedAmount: amount,
      }),
    ),
    shipping: z.array(z.object({ shipmentId: z.string(), refundedAmount: amount })),
  },
  "Items were refunded (with the shipping of a shipment whose last item it was).",
).meta({ id: "OrderItemsRefunded" });

const documentInfo = z.object({
  format: z.enum(["html", "ubl"]),
  contentType: z.string(),
  size: z.number().int().meta({ description: "bytes" }),
  sha256: z.string().meta({ description: "hex SHA-256 of the document's bytes" }),
});

const ubl = z.string().optional().meta({
  description:
    "the UBL 2.1 (EN 16931) XML, inline when it is at most 256 kB; else fetch it with invoices.document",
});

export const invoiceIssued = envelope(
  "invoice.issued",
  {
    invoice: z.object({
      reference: z.string(),
      type: z.literal("invoice"),
      issuedAt: isoTime,
      totals: moneyTotals.nullable().meta({ description: "what the invoice bills" }),
      documents: z.array(documentInfo),
      ubl,
    }),
  },
  "The order's invoice was issued (HTML and UBL documents).",
).meta({ id: "InvoiceIssued" });

export const creditNoteIssued = envelope(
  "credit-note.issued",
  {
    creditNote: z.object({
      reference: z.string(),
      invoiceReference: z.string(),
      issuedAt: isoTime,
      totals: moneyTotals.meta({ description: "the money credited, per VAT category and rate" }),
      items: z.array(
        z.object({
          lineId: z.string(),
          sku: z.string(),
          quantity: z.number().int(),
          amount: amount.meta({ description: "quantity x unit price, in the order's price mode" }),
          netAmount: amount,
        }),
      ),
      shipping: z.array(
        z.object({
          shipmentId: z.string(),
          taxCategory,
          taxRate: z.number(),
          amount: amount,
          netAmount: amount,
        }),
      ),
      documents: z.array(documentInfo),
      ubl,
    }),
  },
  "Money of the issued invoice moved to canceled or refunded: a credit note (381) credits it.",
).meta({ id: "CreditNoteIssued" });

/** Every outbound event, by type. */
export const erpEvents = {
  "order.exported": orderExported,
  "order.items.cancelled": orderItemsCancelled,
  "order.custom-reference.changed": orderCustomReferenceChanged,
  "order.items.refunded": orderItemsRefunded,
  "order.process-migrated": orderProcessMigrated,
  "invoice.issued": invoiceIssued,
  "credit-note.issued": creditNoteIssued,
} as const;
