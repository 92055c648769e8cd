import type { Address, Method } from "../domain/inputs";
import type { JsonObject } from "../domain/json";
import type { MoneyTotals } from "../domain/view";
import type { ItemSnapshot } from "./step";

/** The order's own facts: one row in the Durable Object. */
export interface OrderHeader {
  reference: string;
  customerReference: string;
  customer: { email: string; firstName: string; lastName: string };
  customOrderReference: string | null;
  currency: string;
  priceMode: "gross" | "net";
  paymentMethod: string;
  process: string;
  placedAt: number;
  cancellableUntil: number;
  windowClosedAt: number | null;
  billingAddress: Address;
  /** Totals as placed; back-office edits never change them. */
  totals: MoneyTotals;
  /**
   * Shipments a move emptied (and so removed) whose expense is not 0: the expense stays
   * charged and follows `movedTo`, a shipment that exists. Absent on orders that never had one.
   */
  removedShipments?: RemovedShipment[];
  invoiceRequestedAt: number | null;
  invoice: { reference: string; issuedAt: string; mailedAt: string | null } | null;
  /** Hash of the placement request, to tell a retry from a conflicting reuse of the key. */
  requestHash: string;
  nextItemNo: number;
  nextShipmentNo: number;
}

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
}

export interface Shipment {
  id: string;
  address: Address;
  method: Method;
  requestedDeliveryDate: string | null;
  expense: number;
  /**
   * `expense` split by tax rate, fixed at placement (the shipping tax rule in money.ts).
   * Absent on shipments stored before the rule: their expense is taxed at `method.taxRate ?? 0`.
   */
  expenseByRate?: { rate: number; amount: number }[];
  tracking: { trackingNumber: string | null; carrier: string | null } | null;
}

export interface RemovedShipment extends Shipment {
  movedTo: string;
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

/** Side effects that leave the order: each becomes an outbox row. */
export type Effect =
  | { kind: "mail"; template: "order-confirmation" }
  | { kind: "invoice" }
  | { kind: "erp"; command: string; itemIds: string[] }
  /** An order event for the ERP, with its data (the ERP transport adds reference and sequence). */
  | { kind: "erp"; type: "order.items.refunded"; data: JsonObject };

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
