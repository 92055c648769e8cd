import type { ItemView, OrderView } from "../domain/view";
import type { ProcessDefinition } from "../machines/registry";
import type { Item, OrderState } from "./model";
import { flagsOf, stateInfo } from "./step";

const iso = (ms: number) => new Date(ms).toISOString();

/** What an amount costs the buyer: gross as is, net plus its tax. */
const grossOf = (priceMode: "gross" | "net", amount: number, taxRate: number) =>
  priceMode === "gross" ? amount : amount + Math.round((amount * taxRate) / 100);

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

export function orderView(state: OrderState, process: ProcessDefinition, now: number): OrderView {
  const { header } = state;
  const itemsByShipment = new Map<string, string[]>();
  const activeShipments = new Set<string>();
  let canceledTotal = 0;
  const items: ItemView[] = [];
  for (const item of state.items.values()) {
    const line = state.lines.get(item.lineId);
    if (!line) throw new Error(`item ${item.id} refers to unknown line ${item.lineId}`);
    const info = stateInfo(process, item.state);
    const flags = [...(info?.flags ?? [])];
    const canceled = flags.includes("cancelled");
    const canceledAmount = canceled
      ? grossOf(header.priceMode, item.quantity * line.unitPrice, line.taxRate)
      : 0;
    canceledTotal += canceledAmount;
    if (!canceled) activeShipments.add(item.shipmentId);
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
      isQuantitySplittable: line.isQuantitySplittable,
      shipmentId: item.shipmentId,
      state: item.state,
      stateDisplay: info?.display ?? item.state,
      flags,
      canceledAmount,
    });
  }
  // A shipment whose items are all canceled will not be shipped: its expense is refundable too.
  for (const shipment of state.shipments.values())
    if (!activeShipments.has(shipment.id))
      canceledTotal += grossOf(header.priceMode, shipment.expense, shipment.method.taxRate ?? 0);

  return {
    reference: header.reference,
    version: state.version,
    customerReference: header.customerReference,
    customer: header.customer,
    customOrderReference: header.customOrderReference,
    currency: header.currency,
    priceMode: header.priceMode,
    paymentMethod: header.paymentMethod,
    process: header.process,
    placedAt: iso(header.placedAt),
    isCancellable: cancellationBlock(state, process, now) === null,
    cancellableUntil: iso(header.cancellableUntil),
    cancellationWindowClosedAt: header.windowClosedAt === null ? null : iso(header.windowClosedAt),
    itemStates: itemStates(state.items.values()),
    totals: {
      ...header.totals,
      canceledTotal,
      refundableTotal: header.totals.grandTotal - canceledTotal,
    },
    billingAddress: header.billingAddress,
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
    invoice: header.invoice
      ? { reference: header.invoice.reference, issuedAt: header.invoice.issuedAt }
      : null,
  };
}
