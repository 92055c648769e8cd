import type { Buyer, TaxCategory, TaxExemption } from "./einvoice";
import type { Address, Method } from "./inputs";
import type { JsonObject } from "./json";
import type { ItemState, ManualEvent, ProcessId } from "./processes";

/** Quantity per state, e.g. `{ "payment-pending": 2, shipped: 1 }`; states without items are absent. */
export type ItemStates = Partial<Record<ItemState, number>>;

/** Net and tax of one VAT category and rate (Z and E at 0 % are two entries). */
export interface TaxByRate {
  rate: number;
  category: TaxCategory;
  net: number;
  tax: number;
}

/** Totals of a set of amounts: tax once per category and rate, integers in minor units. */
export interface MoneyTotals {
  subtotal: number;
  expenseTotal: number;
  discountTotal: number;
  taxTotal: number;
  grandTotal: number;
  taxByRate: TaxByRate[];
}

/** The order's totals (as placed: back-office edits never change them) and where the money stands. */
export interface Totals extends MoneyTotals {
  canceledTotal: number;
  refundedTotal: number;
  /** grandTotal - canceledTotal - refundedTotal: what is still charged, and could be refunded. */
  refundableTotal: number;
  /** What an invoice issued now bills: the refundable amounts, with net and tax per rate. */
  billable: MoneyTotals;
}

export interface ShipmentView {
  id: string;
  address: Address;
  method: Method;
  requestedDeliveryDate: string | null;
  expense: number;
  tracking: { trackingNumber: string | null; carrier: string | null } | null;
  itemIds: string[];
}

export interface ItemView {
  id: string;
  lineId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
  taxCategory: TaxCategory;
  unitCode: string;
  isQuantitySplittable: boolean;
  shipmentId: string;
  state: ItemState;
  stateDisplay: string;
  /** When the item entered its state (ISO): how long it has been waiting there. */
  stateSince: string;
  flags: string[];
  canceledAmount: number;
  refundedAmount: number;
  refundableAmount: number;
}

/** Where an amount stands: still charged, canceled before it shipped, or refunded. */
export type MoneyStatus = "open" | "canceled" | "refunded";

/**
 * A shipping expense. Every shipment has one (0 for shipments the back office created); a
 * shipment emptied by a move is removed, but its expense stays charged and follows the
 * shipment its items went to (`movedTo`).
 */
export interface ExpenseView {
  type: "shipping";
  shipmentId: string;
  movedTo: string | null;
  method: Method;
  address: Address;
  /** As charged at placement, in the order's price mode. */
  amount: number;
  /** `amount` split by VAT category and rate (the shipping tax rule); empty for an amount of 0. */
  byRate: { rate: number; category: TaxCategory; amount: number }[];
  status: MoneyStatus;
  canceledAmount: number;
  refundedAmount: number;
  refundableAmount: number;
}

/** What `orders.get` and every order mutation return. */
export interface OrderView {
  reference: string;
  version: number;
  customerReference: string;
  customer: { email: string; firstName: string; lastName: string };
  customOrderReference: string | null;
  currency: string;
  priceMode: "gross" | "net";
  paymentMethod: string;
  /** The process the order was placed with; it stays on it for its whole life. */
  process: ProcessId;
  placedAt: string;
  isCancellable: boolean;
  cancellableUntil: string;
  cancellationWindowClosedAt: string | null;
  itemStates: ItemStates;
  totals: Totals;
  billingAddress: Address;
  /** The buyer's VAT id, reference (BT-10) and electronic address; null when none was given. */
  buyer: Buyer | null;
  /** The exemption reason of each exempt VAT category the order uses. */
  taxExemptions: Partial<Record<TaxCategory, TaxExemption>>;
  shipments: ShipmentView[];
  items: ItemView[];
  expenses: ExpenseView[];
  invoice: InvoiceSummary | null;
}

/** The order's invoice and the credit notes issued against it. */
export interface InvoiceSummary {
  reference: string;
  issuedAt: string;
  creditNotes: { reference: string; issuedAt: string; grandTotal: number }[];
}

/** A row of `orders.list`, read from D1. */
export interface OrderSummary {
  reference: string;
  customerReference: string;
  customOrderReference: string | null;
  /** Empty strings for an order not projected since these were added. */
  customer: { email: string; name: string };
  /** The state most of the order's quantity is in. */
  state: ItemState;
  itemStates: ItemStates;
  grandTotal: number;
  currency: string;
  placedAt: string;
  updatedAt: string;
  isCancellable: boolean;
  cancellableUntil: string;
  version: number;
}

/** A page of `orders.list`. */
export interface OrderList {
  orders: OrderSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface HistoryView {
  seq: number;
  at: string;
  actor: string;
  type: string;
  event?: string;
  itemIds: string[];
  from?: string;
  to?: string;
  data?: JsonObject;
}

/** What `orders.events` lists per item: the manual events its state accepts now. */
export interface ItemEvents {
  itemId: string;
  shipmentId: string;
  state: ItemState;
  events: ManualEvent[];
}

/** An item (or the part of it that was split off) that an event moved. */
export interface MovedItem {
  itemId: string;
  from: ItemState;
  to: ItemState;
  quantity: number;
}

/** A targeted item whose state did not accept the event. */
export interface SkippedItem {
  itemId: string;
  state: ItemState;
  reason: string;
}

/** What `orders.trigger` returns (with `dryRun`, what would happen; nothing is stored). */
export interface TriggerResult {
  order: OrderView;
  moved: MovedItem[];
  skipped: SkippedItem[];
}
