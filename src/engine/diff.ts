import type { OrderDiff } from "../domain/order-diff";
import type { OrderView, ShipmentView } from "../domain/order-view";

const MONEY = ["grandTotal", "canceledTotal", "refundedTotal", "refundableTotal"] as const;
const SHIPMENT_FIELDS = [
  "address",
  "method",
  "requestedDeliveryDate",
  "expense",
  "tracking",
  "itemIds",
] as const satisfies readonly (keyof ShipmentView)[];

/** What changed from one view of an order to another (`orders.diff`). */
export function diffViews(
  before: OrderView,
  after: OrderView,
  at: { from: string; to: string },
): OrderDiff {
  const facts = (i: OrderView["items"][number]) => ({
    state: i.state,
    quantity: i.quantity,
    shipmentId: i.shipmentId,
  });
  const itemsBefore = new Map(before.items.map((i) => [i.id, i]));
  const itemsAfter = new Map(after.items.map((i) => [i.id, i]));
  const items: OrderDiff["items"] = [];
  for (const id of new Set([...itemsBefore.keys(), ...itemsAfter.keys()])) {
    const a = itemsBefore.get(id);
    const b = itemsAfter.get(id);
    const was = a ? facts(a) : null;
    const is = b ? facts(b) : null;
    if (JSON.stringify(was) !== JSON.stringify(is))
      items.push({ id, sku: (b ?? a)?.sku ?? "", before: was, after: is });
  }
  const shipmentsBefore = new Map(before.shipments.map((s) => [s.id, s]));
  const shipmentsAfter = new Map(after.shipments.map((s) => [s.id, s]));
  const shipments: OrderDiff["shipments"] = [];
  for (const id of new Set([...shipmentsBefore.keys(), ...shipmentsAfter.keys()])) {
    const a = shipmentsBefore.get(id);
    const b = shipmentsAfter.get(id);
    if (!a) shipments.push({ id, change: "added", fields: [] });
    else if (!b) shipments.push({ id, change: "removed", fields: [] });
    else {
      const fields = SHIPMENT_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
      if (fields.length > 0) shipments.push({ id, change: "changed", fields });
    }
  }
  const money = MONEY.filter((t) => before.totals[t] !== after.totals[t]).map((total) => ({
    total,
    before: before.totals[total],
    after: after.totals[total],
  }));
  return {
    reference: after.reference,
    from: { version: before.version, at: at.from, process: before.process },
    to: { version: after.version, at: at.to, process: after.process },
    items,
    shipments,
    money,
  };
}
