import { z } from "zod";
import type { Address, Method } from "../domain/inputs";
import type { JsonObject } from "../domain/json";
import type { MoneyTotals } from "../domain/view";
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
}) satisfies z.ZodType<Method>;

const storedTotals = z.object({
  subtotal: z.number(),
  expenseTotal: z.number(),
  discountTotal: z.number(),
  taxTotal: z.number(),
  grandTotal: z.number(),
  taxByRate: z.array(z.object({ rate: z.number(), net: z.number(), tax: z.number() })),
}) satisfies z.ZodType<MoneyTotals>;

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
  expenseByRate: z.array(z.object({ rate: z.number(), amount: z.number() })).optional(),
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
  invoiceRequestedAt: z.number().nullable(),
  /** When the order was first handed to the ERP (`order.exported`); later changes are events. */
  exportedAt: z.number().nullable().default(null),
  invoice: z
    .object({ reference: z.string(), issuedAt: z.string(), mailedAt: z.string().nullable() })
    .nullable(),
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
 * An event for the ERP (src/durable/erp-export.ts delivers it): its type, when it happened, and
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
  | ErpEffect;

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

export const itemTimerId = (itemId: string, sendId: string) => `${itemId}|${sendId}`;
export const WINDOW_TIMER_ID = "order|cancellation-window";
export { WINDOW_CLOSED_EVENT } from "../machines/item-process";
