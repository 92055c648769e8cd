import { z } from "zod";
import { buyer, taxCategory } from "./einvoice";
import { address, method } from "./inputs";
import { itemState, processId } from "./processes";

/**
 * The order as callers see it: what `orders.get` and every order mutation return, what the
 * order object's RPC methods answer, and what `order.exported` carries to the ERP. The schemas
 * are the contract (GET /openapi.json documents them); the types are inferred from them, as
 * interfaces where they are objects, so editors and the published declarations call them by
 * their names instead of spelling them out.
 */

/** Integers in minor units (cents). */
export const amount = z.number().int().meta({ description: "minor units (cents)" });
export const isoTime = z.iso.datetime();

/** Quantity per state, e.g. `{ "payment-pending": 2, shipped: 1 }`; states without items are absent. */
export const itemStates = z.partialRecord(itemState, z.number().int());
export type ItemStates = z.infer<typeof itemStates>;

/** Net and tax of one VAT category and rate (Z and E at 0 % are two entries). */
export const taxByRate = z.object({
  rate: z.number(),
  category: taxCategory.meta({ description: "UNCL5305 VAT category" }),
  net: amount,
  tax: amount,
});
export interface TaxByRate extends z.infer<typeof taxByRate> {}

/** Totals of a set of amounts: tax once per category and rate, integers in minor units. */
export const moneyTotals = z.object({
  subtotal: amount,
  expenseTotal: amount,
  discountTotal: amount,
  taxTotal: amount,
  grandTotal: amount,
  taxByRate: z.array(taxByRate),
});
export interface MoneyTotals extends z.infer<typeof moneyTotals> {}

/** The order's totals (as placed: back-office edits never change them) and where the money stands. */
export const totals = moneyTotals.extend({
  canceledTotal: amount,
  refundedTotal: amount,
  /** grandTotal - canceledTotal - refundedTotal: what is still charged, and could be refunded. */
  refundableTotal: amount.meta({ description: "grandTotal - canceledTotal - refundedTotal" }),
  /** What an invoice issued now bills: the refundable amounts, with net and tax per rate. */
  billable: moneyTotals.meta({ description: "what an invoice issued now bills" }),
});
export interface Totals extends z.infer<typeof totals> {}

export const shipmentView = z.object({
  id: z.string(),
  address,
  method,
  requestedDeliveryDate: z.iso.date().nullable(),
  expense: amount,
  tracking: z
    .object({ trackingNumber: z.string().nullable(), carrier: z.string().nullable() })
    .nullable(),
  itemIds: z.array(z.string()),
});
export interface ShipmentView extends z.infer<typeof shipmentView> {}

export const itemView = z.object({
  id: z.string(),
  lineId: z.string(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: amount,
  taxRate: z.number(),
  taxCategory,
  unitCode: z.string().meta({ description: "UN/ECE Rec. 20/21, e.g. C62" }),
  isQuantitySplittable: z.boolean(),
  shipmentId: z.string(),
  state: itemState,
  stateDisplay: z.string(),
  /** When the item entered its state (ISO): how long it has been waiting there. */
  stateSince: isoTime,
  flags: z.array(z.string()),
  canceledAmount: amount,
  refundedAmount: amount,
  refundableAmount: amount,
});
export interface ItemView extends z.infer<typeof itemView> {}

/** Where an amount stands: still charged, canceled before it shipped, or refunded. */
export const moneyStatus = z.enum(["open", "canceled", "refunded"]);
export type MoneyStatus = z.infer<typeof moneyStatus>;

/**
 * A shipping expense. Every shipment has one (0 for shipments the back office created); a
 * shipment emptied by a move is removed, but its expense stays charged and follows the
 * shipment its items went to (`movedTo`).
 */
export const expenseView = z.object({
  type: z.literal("shipping"),
  shipmentId: z.string(),
  movedTo: z.string().nullable(),
  method,
  address,
  /** As charged at placement, in the order's price mode. */
  amount,
  /** `amount` split by VAT category and rate (the shipping tax rule); empty for an amount of 0. */
  byRate: z.array(z.object({ rate: z.number(), category: taxCategory, amount })),
  status: moneyStatus,
  canceledAmount: amount,
  refundedAmount: amount,
  refundableAmount: amount,
});
export interface ExpenseView extends z.infer<typeof expenseView> {}

/** The order's invoice and the credit notes issued against it. */
export const invoiceSummary = z.object({
  reference: z.string(),
  issuedAt: isoTime,
  creditNotes: z.array(z.object({ reference: z.string(), issuedAt: isoTime, grandTotal: amount })),
});
export interface InvoiceSummary extends z.infer<typeof invoiceSummary> {}

/** An exemption: the text or VATEX code that says why a category carries no VAT. */
export const taxExemption = z.object({
  reason: z.string().optional(),
  code: z.string().optional(),
});

/** What `orders.get` and every order mutation return; more fields may be added. */
export const orderView = z
  .object({
    reference: z.string(),
    version: z.number().int(),
    customerReference: z.string(),
    customer: z.object({ email: z.string(), firstName: z.string(), lastName: z.string() }),
    customOrderReference: z.string().nullable(),
    currency: z.string(),
    priceMode: z.enum(["gross", "net"]),
    paymentMethod: z.string(),
    /** The process the order runs on: the one it was placed with, unless `processes.migrate` moved it. */
    process: processId,
    placedAt: isoTime,
    isCancellable: z.boolean(),
    cancellableUntil: isoTime,
    cancellationWindowClosedAt: isoTime.nullable(),
    itemStates,
    totals,
    billingAddress: address,
    /** The buyer's VAT id, reference (BT-10) and electronic address; null when none was given. */
    buyer: buyer.nullable(),
    /** The exemption reason of each exempt VAT category the order uses. */
    taxExemptions: z.partialRecord(taxCategory, taxExemption),
    shipments: z.array(shipmentView),
    items: z.array(itemView),
    expenses: z.array(expenseView),
    invoice: invoiceSummary.nullable(),
  })
  .meta({ id: "OrderView" });
export interface OrderView extends z.infer<typeof orderView> {}
