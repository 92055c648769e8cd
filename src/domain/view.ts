import type { Address, Method } from "./inputs";
import type { JsonObject } from "./json";

export interface TaxByRate {
  rate: number;
  net: number;
  tax: number;
}

export interface Totals {
  subtotal: number;
  expenseTotal: number;
  discountTotal: number;
  taxTotal: number;
  grandTotal: number;
  canceledTotal: number;
  /** grandTotal - canceledTotal: what may have to be refunded or is still owed. */
  refundableTotal: number;
  taxByRate: TaxByRate[];
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
  isQuantitySplittable: boolean;
  shipmentId: string;
  state: string;
  stateDisplay: string;
  flags: string[];
  canceledAmount: number;
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
  process: string;
  placedAt: string;
  isCancellable: boolean;
  cancellableUntil: string;
  cancellationWindowClosedAt: string | null;
  itemStates: Record<string, number>;
  totals: Totals;
  billingAddress: Address;
  shipments: ShipmentView[];
  items: ItemView[];
  invoice: { reference: string; issuedAt: string } | null;
}

/** A row of `orders.list`, read from D1. */
export interface OrderSummary {
  reference: string;
  customerReference: string;
  customOrderReference: string | null;
  /** Empty strings for an order not projected since these were added. */
  customer: { email: string; name: string };
  state: string;
  itemStates: Record<string, number>;
  grandTotal: number;
  currency: string;
  placedAt: string;
  updatedAt: string;
  isCancellable: boolean;
  cancellableUntil: string;
  version: number;
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
