import type { ExpenseView, ItemView, OrderView } from "../domain/order-view";
import { knownProcess, knownState } from "../domain/processes";
import type { ProcessDefinition } from "../machines/registry";
import type { Item, OrderState, Shipment } from "./model";
import { type ExpenseMoney, moneySourceOf, orderMoney } from "./money";
import { flagsOf, stateInfo } from "./step";
import { expenseByRate } from "./tax";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Why the customer may not cancel now, or null when it may: the window is open (now is before
 * `cancellableUntil` and nobody closed it early) and every item is in a cancellable state.
 */
export function cancellationBlock(
  state: OrderState,
  process: ProcessDefinition,
  now: number,
): string | null {
  const { header } = state;
  if (header.windowClosedAt !== null)
    return `the cancellation window closed at ${iso(Math.min(header.windowClosedAt, header.cancellableUntil))}`;
  if (now >= header.cancellableUntil)
    return `the cancellation window closed at ${iso(header.cancellableUntil)}`;
  const blocking = new Map<string, string[]>();
  for (const item of state.items.values())
    if (!flagsOf(process, item.state).includes("cancellable")) {
      const ids = blocking.get(item.state) ?? [];
      ids.push(item.id);
      blocking.set(item.state, ids);
    }
  if (blocking.size === 0) return null;
  const parts = [...blocking].map(
    ([s, ids]) => `${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ", ..." : ""} in ${s}`,
  );
  return `items are in states that cannot be cancelled: ${parts.join("; ")}`;
}

export function itemStates(items: Iterable<Item>): Record<string, number> {
  const states: Record<string, number> = {};
  for (const item of items) states[item.state] = (states[item.state] ?? 0) + item.quantity;
  return states;
}

/** The state that most of the order's quantity is in. */
export function dominantState(states: Record<string, number>): string {
  let best = "";
  let most = -1;
  for (const [s, q] of Object.entries(states))
    if (q > most || (q === most && s < best)) [best, most] = [s, q];
  return best;
}

const NONE = { canceled: 0, refunded: 0, refundable: 0 };

function expenseView(s: Shipment, movedTo: string | null, money?: ExpenseMoney): ExpenseView {
  return {
    type: "shipping",
    shipmentId: s.id,
    movedTo,
    method: s.method,
    address: s.address,
    amount: s.expense,
    byRate: expenseByRate(s),
    status: money?.status ?? "open",
    canceledAmount: money?.canceled ?? 0,
    refundedAmount: money?.refunded ?? 0,
    refundableAmount: money?.refundable ?? 0,
  };
}

export function orderView(state: OrderState, process: ProcessDefinition, now: number): OrderView {
  const { header } = state;
  const money = orderMoney(moneySourceOf(state, process));
  const itemsByShipment = new Map<string, string[]>();
  const items: ItemView[] = [];
  for (const item of state.items.values()) {
    const line = state.lines.get(item.lineId);
    if (!line) throw new Error(`item ${item.id} refers to unknown line ${item.lineId}`);
    const info = stateInfo(process, item.state);
    const amounts = money.items.get(item.id) ?? NONE;
    const ids = itemsByShipment.get(item.shipmentId) ?? [];
    ids.push(item.id);
    itemsByShipment.set(item.shipmentId, ids);
    items.push({
      id: item.id,
      lineId: line.id,
      sku: line.sku,
      name: line.name,
      quantity: item.quantity,
      unitPrice: line.unitPrice,
      taxRate: line.taxRate,
      taxCategory: line.taxCategory,
      unitCode: line.unitCode,
      isQuantitySplittable: line.isQuantitySplittable,
      shipmentId: item.shipmentId,
      // The engine steps any machine and keeps names as strings; an order served here runs a
      // registered process (processOf throws otherwise), so its names are the published ones.
      state: knownState(item.state),
      stateDisplay: info?.display ?? item.state,
      stateSince: iso(item.stateSince),
      flags: [...(info?.flags ?? [])],
      canceledAmount: amounts.canceled,
      refundedAmount: amounts.refunded,
      refundableAmount: amounts.refundable,
    });
  }

  return {
    reference: header.reference,
    version: state.version,
    customerReference: header.customerReference,
    customer: header.customer,
    customOrderReference: header.customOrderReference,
    currency: header.currency,
    priceMode: header.priceMode,
    paymentMethod: header.paymentMethod,
    process: knownProcess(header.process),
    placedAt: iso(header.placedAt),
    isCancellable: cancellationBlock(state, process, now) === null,
    cancellableUntil: iso(header.cancellableUntil),
    cancellationWindowClosedAt: header.windowClosedAt === null ? null : iso(header.windowClosedAt),
    itemStates: itemStates(state.items.values()),
    totals: {
      ...money.totals,
      canceledTotal: money.canceledTotal,
      refundedTotal: money.refundedTotal,
      refundableTotal: money.refundableTotal,
      billable: money.billable,
    },
    billingAddress: header.billingAddress,
    buyer: header.buyer ?? null,
    taxExemptions: header.taxExemptions ?? {},
    shipments: [...state.shipments.values()].map((s) => ({
      id: s.id,
      address: s.address,
      method: s.method,
      requestedDeliveryDate: s.requestedDeliveryDate,
      expense: s.expense,
      tracking: s.tracking,
      itemIds: itemsByShipment.get(s.id) ?? [],
    })),
    items,
    expenses: [
      ...[...state.shipments.values()].map((s) => expenseView(s, null, money.expenses.get(s.id))),
      ...(header.removedShipments ?? []).map((s) =>
        expenseView(s, s.movedTo, money.expenses.get(s.id)),
      ),
    ],
    invoice: header.invoice
      ? {
          reference: header.invoice.reference,
          issuedAt: header.invoice.issuedAt,
          creditNotes: (header.creditNotes ?? []).map(({ reference, issuedAt, grandTotal }) => ({
            reference,
            issuedAt,
            grandTotal,
          })),
        }
      : null,
  };
}
