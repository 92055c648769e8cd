import { z } from "zod";
import { defaultCategory, type TaxCategory, taxCategory } from "../domain/einvoice";
import type { Address, Method } from "../domain/inputs";
import type { JsonObject } from "../domain/json";
import type { MoneyTotals } from "../domain/order-view";
import type { ItemSnapshot } from "./step";

// Storage shapes: what the order object reads back from its SQLite. They check the shape of
// stored values, not the rules for new input (those may tighten; stored orders stay readable).
const storedAddress = z.object({
  firstName: z.string(),
  lastName: z.string(),
  company: z.string().optional(),
  address1: z.string(),
  address2: z.string().optional(),
  zipCode: z.string(),
  city: z.string(),
  country: z.string(),
  phone: z.string().optional(),
  email: z.string().optional(),
}) satisfies z.ZodType<Address>;

const storedMethod = z.object({
  id: z.string(),
  name: z.string(),
  carrier: z.string().optional(),
  price: z.number(),
  taxRate: z.number().optional(),
  taxCategory: taxCategory.optional(),
  taxExemptionReason: z.string().optional(),
  taxExemptionReasonCode: z.string().optional(),
}) satisfies z.ZodType<Method>;

const storedTotals = z.object({
  subtotal: z.number(),
  expenseTotal: z.number(),
  discountTotal: z.number(),
  taxTotal: z.number(),
  grandTotal: z.number(),
  taxByRate: z.array(
    z
      .object({
        rate: z.number(),
        category: taxCategory.optional(),
        net: z.number(),
        tax: z.number(),
      })
      // Totals stored before categories: S above 0 %, Z at 0 %.
      .transform((r) => ({ ...r, category: r.category ?? defaultCategory(r.rate) })),
  ),
}) satisfies z.ZodType<MoneyTotals, unknown>;

export const shipmentSchema = z.object({
  id: z.string(),
  address: storedAddress,
  method: storedMethod,
  requestedDeliveryDate: z.string().nullable(),
  expense: z.number(),
  /**
   * `expense` split by tax rate, fixed at placement (the shipping tax rule in money.ts).
   * Absent on shipments stored before the rule: their expense is taxed at `method.taxRate ?? 0`.
   */
  expenseByRate: z
    .array(z.object({ rate: z.number(), amount: z.number(), category: taxCategory.optional() }))
    .optional(),
  tracking: z
    .object({ trackingNumber: z.string().nullable(), carrier: z.string().nullable() })
    .nullable(),
});
export type Shipment = z.infer<typeof shipmentSchema>;

const removedShipmentSchema = shipmentSchema.extend({ movedTo: z.string() });
export type RemovedShipment = z.infer<typeof removedShipmentSchema>;

/** The order's own facts: one row in the Durable Object. */
export const orderHeaderSchema = z.object({
  reference: z.string(),
  customerReference: z.string(),
  customer: z.object({ email: z.string(), firstName: z.string(), lastName: z.string() }),
  customOrderReference: z.string().nullable(),
  currency: z.string(),
  priceMode: z.enum(["gross", "net"]),
  paymentMethod: z.string(),
  process: z.string(),
  placedAt: z.number(),
  cancellableUntil: z.number(),
  windowClosedAt: z.number().nullable(),
  billingAddress: storedAddress,
  /** Totals as placed; back-office edits never change them. */
  totals: storedTotals,
  /**
   * Shipments a move emptied (and so removed) whose expense is not 0: the expense stays
   * charged and follows `movedTo`, a shipment that exists. Absent on orders that never had one.
   */
  removedShipments: z.array(removedShipmentSchema).optional(),
  /** The buyer's identifiers for the e-invoice (placement's `buyer`); absent: none given. */
  buyer: z
    .object({
      vatId: z.string().optional(),
      reference: z.string().optional(),
      electronicAddress: z.object({ scheme: z.string(), id: z.string() }).optional(),
    })
    .optional(),
  /** The exemption reason of each exempt category in the order (one per category). */
  taxExemptions: z
    .record(z.string(), z.object({ reason: z.string().optional(), code: z.string().optional() }))
    .optional(),
  /** When the open invoice request was made: a job is on its way (null: none pending). */
  invoiceRequestedAt: z.number().nullable(),
  /** When the order was first handed to the ERP (`order.exported`); later changes are events. */
  exportedAt: z.number().nullable().default(null),
  invoice: z
    .object({
      reference: z.string(),
      issuedAt: z.string(),
      mailedAt: z.string().nullable(),
      /**
       * The order version the invoice bills (what was still charged then); money moved after
       * it gets credit notes. Absent on invoices recorded before: the version that recorded it.
       */
      version: z.number().optional(),
    })
    .nullable(),
  /** Credit notes issued for money that left the invoice, oldest first. */
  creditNotes: z
    .array(
      z.object({
        /** The history entry (seq) whose money move the credit note credits. */
        key: z.number(),
        reference: z.string(),
        issuedAt: z.string(),
        grandTotal: z.number(),
        mailedAt: z.string().nullable(),
      }),
    )
    .optional(),
  /** Hash of the placement request, to tell a retry from a conflicting reuse of the key. */
  requestHash: z.string(),
  nextItemNo: z.number(),
  nextShipmentNo: z.number(),
});
export type OrderHeader = z.infer<typeof orderHeaderSchema>;

export interface Line {
  id: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
  /** UNCL5305 VAT category; lines stored before categories: S above 0 %, Z at 0 %. */
  taxCategory: TaxCategory;
  /** UN/ECE Rec. 20/21 unit of the quantity (C62: one). */
  unitCode: string;
  isQuantitySplittable: boolean;
}

/** A quantity of one line, in one state, in one shipment. */
export interface Item extends ItemSnapshot {
  id: string;
  lineId: string;
  quantity: number;
  shipmentId: string;
  /** When the item entered its state (ms); a split keeps the original's, a move keeps it too. */
  stateSince: number;
}

/** A delayed event. `itemId` null: an order-level timer (the cancellation window). */
export interface Timer {
  id: string;
  itemId: string | null;
  event: string;
  dueAt: number;
}

export interface NewHistoryEntry {
  at: number;
  actor: string;
  type: string;
  event?: string;
  itemIds: string[];
  from?: string;
  to?: string;
  data?: JsonObject;
}

/**
 * An event for the ERP (src/durable/erp-deliveries.ts delivers it): its type, when it happened, and
 * the little data it needs; what is large (the order view, item details) is rendered when it is
 * sent. A new event type is a new `type` with its `data`: the transport sends `data` as it is,
 * besides what every event carries (order reference, sequence, version, custom reference).
 */
export interface ErpEffect {
  kind: "erp";
  type: string;
  at: number;
  customOrderReference: string | null;
  data: JsonObject;
}

/** Side effects that leave the order: each becomes an outbox row. */
export type Effect =
  | { kind: "mail"; template: "order-confirmation" }
  | { kind: "invoice" }
  | CreditNoteEffect
  | ErpEffect;

/**
 * A credit note to issue for money that left an issued invoice. `key` names the history entry
 * that moved the money: its seq, or (in the change that adds it) the entry itself, whose seq the
 * store fills in when it writes the change.
 */
export interface CreditNoteEffect {
  kind: "credit-note";
  key: number | NewHistoryEntry;
}

export interface OrderState {
  header: OrderHeader;
  version: number;
  lines: Map<string, Line>;
  items: Map<string, Item>;
  shipments: Map<string, Shipment>;
  timers: Map<string, Timer>;
}

/** What a command changes; the Durable Object writes it in one transaction. */
export interface Change {
  header?: OrderHeader;
  lines?: Line[];
  items: Item[];
  deletedItems?: string[];
  shipments?: Shipment[];
  deletedShipments?: string[];
  timers: Timer[];
  deletedTimers: string[];
  history: NewHistoryEntry[];
  effects: Effect[];
}

export const emptyChange = (): Change => ({
  items: [],
  timers: [],
  deletedTimers: [],
  history: [],
  effects: [],
});

/** The order as it will be once `change` is applied; `state` stays as it is. */
export function afterChange(state: OrderState, change: Change): OrderState {
  const next: OrderState = {
    ...state,
    lines: new Map(state.lines),
    items: new Map(state.items),
    shipments: new Map(state.shipments),
    timers: new Map(state.timers),
  };
  applyChange(next, change);
  return next;
}

/** Applies a change to the in-memory state, after it was written to storage. */
export function applyChange(state: OrderState, change: Change): void {
  if (change.header) state.header = change.header;
  for (const line of change.lines ?? []) state.lines.set(line.id, line);
  for (const id of change.deletedItems ?? []) state.items.delete(id);
  for (const item of change.items) state.items.set(item.id, item);
  for (const id of change.deletedShipments ?? []) state.shipments.delete(id);
  for (const shipment of change.shipments ?? []) state.shipments.set(shipment.id, shipment);
  for (const id of change.deletedTimers) state.timers.delete(id);
  for (const timer of change.timers) state.timers.set(timer.id, timer);
  state.version += change.history.length;
}

export const itemTimerId = (itemId: string, sendId: string) => `${itemId}|${sendId}`;
export const WINDOW_TIMER_ID = "order|cancellation-window";
export { WINDOW_CLOSED_EVENT } from "../domain/processes";
