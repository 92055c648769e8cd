import { z } from "zod";
import { address, method } from "./inputs";
import type { OrderView } from "./view";

// The outbound contract: what the service POSTs to ERP_EXPORT_URL. These schemas document it
// (GET /openapi.json); the order object renders the bodies (src/durable/erp-export.ts).

const amount = z.number().int().meta({ description: "minor units (cents)" });
const isoTime = z.iso.datetime();

const moneyTotals = z.object({
  subtotal: amount,
  expenseTotal: amount,
  discountTotal: amount,
  taxTotal: amount,
  grandTotal: amount,
  taxByRate: z.array(z.object({ rate: z.number(), net: amount, tax: amount })),
});

/** The order as `orders.get` returns it; more fields may be added (additional properties). */
export const orderViewSchema = z
  .object({
    reference: z.string(),
    version: z.number().int(),
    customerReference: z.string(),
    customer: z.object({ email: z.string(), firstName: z.string(), lastName: z.string() }),
    customOrderReference: z.string().nullable(),
    currency: z.string(),
    priceMode: z.enum(["gross", "net"]),
    paymentMethod: z.string(),
    process: z.string(),
    placedAt: isoTime,
    isCancellable: z.boolean(),
    cancellableUntil: isoTime,
    cancellationWindowClosedAt: isoTime.nullable(),
    itemStates: z.record(z.string(), z.number().int()),
    totals: moneyTotals.extend({
      canceledTotal: amount,
      refundedTotal: amount,
      refundableTotal: amount.meta({ description: "grandTotal - canceledTotal - refundedTotal" }),
      billable: moneyTotals.meta({ description: "what an invoice issued now bills" }),
    }),
    billingAddress: address,
    shipments: z.array(
      z.object({
        id: z.string(),
        address: address,
        method: method,
        requestedDeliveryDate: z.iso.date().nullable(),
        expense: amount,
        tracking: z
          .object({ trackingNumber: z.string().nullable(), carrier: z.string().nullable() })
          .nullable(),
        itemIds: z.array(z.string()),
      }),
    ),
    items: z.array(
      z.object({
        id: z.string(),
        lineId: z.string(),
        sku: z.string(),
        name: z.string(),
        quantity: z.number().int(),
        unitPrice: amount,
        taxRate: z.number(),
        isQuantitySplittable: z.boolean(),
        shipmentId: z.string(),
        state: z.string(),
        stateDisplay: z.string(),
        flags: z.array(z.string()),
        canceledAmount: amount,
        refundedAmount: amount,
        refundableAmount: amount,
      }),
    ),
    expenses: z.array(
      z.object({
        type: z.literal("shipping"),
        shipmentId: z.string(),
        movedTo: z.string().nullable(),
        method: method,
        address: address,
        amount: amount,
        byRate: z.array(z.object({ rate: z.number(), amount: amount })),
        status: z.enum(["open", "canceled", "refunded"]),
        canceledAmount: amount,
        refundedAmount: amount,
        refundableAmount: amount,
      }),
    ),
    invoice: z.object({ reference: z.string(), issuedAt: isoTime }).nullable(),
  })
  .meta({ id: "OrderView" });

// Fails to compile when OrderView loses or changes a field this schema documents.
type Documented = z.input<typeof orderViewSchema>;
export const viewIsDocumented = (view: OrderView): Documented => view;

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
    order: orderViewSchema.meta({
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

export const invoiceIssued = envelope(
  "invoice.issued",
  {
    invoice: z.object({
      reference: z.string(),
      issuedAt: isoTime,
      totals: z.record(z.string(), z.unknown()).nullable(),
    }),
  },
  "The order's invoice was issued.",
).meta({ id: "InvoiceIssued" });

/** Every outbound event, by type. */
export const erpEvents = {
  "order.exported": orderExported,
  "order.items.cancelled": orderItemsCancelled,
  "order.custom-reference.changed": orderCustomReferenceChanged,
  "order.items.refunded": orderItemsRefunded,
  "invoice.issued": invoiceIssued,
} as const;
