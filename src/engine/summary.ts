import type { ProcessDefinition } from "../machines/registry";
import type { OrderState } from "./model";
import { flagsOf } from "./step";
import { dominantState, itemStates } from "./view";

/** The order as the D1 read model keeps it: one row per order, for lists and lookups. */
export interface OrderSummaryRow {
  reference: string;
  customerReference: string;
  customOrderReference: string | null;
  /** The state most of the order's quantity is in. */
  state: string;
  itemStates: Record<string, number>;
  grandTotal: number;
  currency: string;
  placedAt: string;
  updatedAt: string;
  cancellableUntil: string;
  /** Every item is in a cancellable state and the window has not been closed early. */
  itemsCancellable: boolean;
  customerVisible: boolean;
  /** Effects that ran out of attempts (kind and outbox id), for the back office's list. */
  deadEffects: { id: number; kind: string }[] | null;
  version: number;
  /** For search (with the references): the customer's email and "First Last". */
  customerEmail: string;
  customerName: string;
  /** The order's distinct SKUs in line order, one per line, up to SEARCHABLE_SKU_BYTES. */
  skus: string;
  /** The process the order runs on ("payment@1"). */
  process: string;
}

/**
 * How much of an order's SKUs the read model keeps for search, in UTF-8 bytes: about 10,000
 * SKUs of 25 characters. D1 refuses a row over 2 MB, and the largest valid order's SKUs alone
 * can be 4 MB; past this budget the rest of the list is not searchable.
 */
export const SEARCHABLE_SKU_BYTES = 256 * 1024;

const utf8Bytes = (text: string) => {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
};

/** Distinct SKUs in line order, one per line (a SKU never holds a control character), cut at the budget. */
export function searchableSkus(lines: Iterable<{ sku: string }>): string {
  const seen = new Set<string>();
  let bytes = 0;
  for (const { sku } of lines) {
    if (seen.has(sku)) continue;
    const size = utf8Bytes(sku) + 1;
    if (bytes + size > SEARCHABLE_SKU_BYTES + 1) break;
    seen.add(sku);
    bytes += size;
  }
  return [...seen].join("\n");
}

/** Customers do not see orders whose items are all in states flagged exclude-from-customer. */
export function customerVisible(state: OrderState, process: ProcessDefinition): boolean {
  for (const item of state.items.values())
    if (!flagsOf(process, item.state).includes("exclude-from-customer")) return true;
  return false;
}

/** The summary row of an order as it is now. */
export function summaryRow(
  state: OrderState,
  process: ProcessDefinition,
  now: number,
  deadEffects: { id: number; kind: string }[],
): OrderSummaryRow {
  const { header } = state;
  const states = itemStates(state.items.values());
  let itemsCancellable = header.windowClosedAt === null;
  for (const item of state.items.values())
    if (!flagsOf(process, item.state).includes("cancellable")) itemsCancellable = false;
  return {
    reference: header.reference,
    customerReference: header.customerReference,
    customOrderReference: header.customOrderReference,
    state: dominantState(states),
    itemStates: states,
    grandTotal: header.totals.grandTotal,
    currency: header.currency,
    placedAt: new Date(header.placedAt).toISOString(),
    updatedAt: new Date(now).toISOString(),
    cancellableUntil: new Date(header.cancellableUntil).toISOString(),
    itemsCancellable,
    customerVisible: customerVisible(state, process),
    deadEffects: deadEffects.length > 0 ? deadEffects : null,
    version: state.version,
    customerEmail: header.customer.email,
    customerName: `${header.customer.firstName} ${header.customer.lastName}`,
    skus: searchableSkus(state.lines.values()),
    process: header.process,
  };
}
