import type { PlaceOrderInput } from "../domain/inputs";
import type { ProcessDefinition } from "../machines/registry";
import { addCommandsOf } from "./events";
import {
  type Change,
  emptyChange,
  type Item,
  itemTimerId,
  type Line,
  type OrderHeader,
  type Shipment,
  WINDOW_CLOSED_EVENT,
  WINDOW_TIMER_ID,
} from "./model";
import { initialStep } from "./step";
import { computeTotals } from "./totals";

export interface PlaceContext {
  reference: string;
  now: number;
  process: ProcessDefinition;
  cancellationWindowMs: number;
  actor: string;
  requestHash: string;
}

/** Builds a new order: one item per line and shipment, whatever the quantity. */
export function placeOrder(input: PlaceOrderInput, ctx: PlaceContext): Change {
  const change = emptyChange();
  const shipmentIds = new Map<string, string>();
  const shipments: Shipment[] = input.shipments.map((s, i) => {
    const id = `S${i + 1}`;
    shipmentIds.set(s.key, id);
    return {
      id,
      address: s.address,
      method: s.method,
      requestedDeliveryDate: s.requestedDeliveryDate ?? null,
      expense: s.method.price,
      tracking: null,
    };
  });

  const first = initialStep(ctx.process);
  const lines: Line[] = [];
  const items: Item[] = [];
  input.lines.forEach((l, i) => {
    const line: Line = {
      id: `L${i + 1}`,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.taxRate,
      isQuantitySplittable: l.isQuantitySplittable,
    };
    lines.push(line);
    const parts = l.allocations ?? [{ shipment: l.shipment ?? "", quantity: l.quantity }];
    for (const part of parts)
      items.push({
        id: `I${items.length + 1}`,
        lineId: line.id,
        quantity: part.quantity,
        shipmentId: shipmentIds.get(part.shipment) ?? "",
        state: first.snapshot.state,
        context: first.snapshot.context,
        stateSince: ctx.now,
      });
  });

  const totals = computeTotals(
    input.priceMode,
    lines,
    shipments.map((s) => ({ amount: s.expense, taxRate: s.method.taxRate ?? 0 })),
  );
  const cancellableUntil = ctx.now + ctx.cancellationWindowMs;
  const header: OrderHeader = {
    reference: ctx.reference,
    customerReference: input.customer.reference,
    customer: {
      email: input.customer.email,
      firstName: input.customer.firstName,
      lastName: input.customer.lastName,
    },
    customOrderReference: input.customOrderReference || null,
    currency: input.currency,
    priceMode: input.priceMode,
    paymentMethod: input.paymentMethod,
    process: ctx.process.id,
    placedAt: ctx.now,
    cancellableUntil,
    windowClosedAt: null,
    billingAddress: input.billingAddress,
    totals,
    invoiceRequestedAt: null,
    invoice: null,
    requestHash: ctx.requestHash,
    nextItemNo: items.length + 1,
    nextShipmentNo: shipments.length + 1,
  };

  change.header = header;
  change.lines = lines;
  change.shipments = shipments;
  change.items = items;
  change.timers.push({
    id: WINDOW_TIMER_ID,
    itemId: null,
    event: WINDOW_CLOSED_EVENT,
    dueAt: cancellableUntil,
  });
  for (const item of items)
    for (const t of first.timers.schedule)
      change.timers.push({
        id: itemTimerId(item.id, t.id),
        itemId: item.id,
        event: t.event,
        dueAt: ctx.now + t.delayMs,
      });

  const itemIds = items.map((i) => i.id);
  change.history.push({
    at: ctx.now,
    actor: ctx.actor,
    type: "placed",
    itemIds,
    to: first.snapshot.state,
    data: {
      lines: lines.length,
      shipments: shipments.length,
      grandTotal: totals.grandTotal,
      currency: input.currency,
      process: ctx.process.id,
      ...(header.customOrderReference ? { customOrderReference: header.customOrderReference } : {}),
    },
  });
  const commands = new Map(first.commands.map((c) => [c, itemIds]));
  addCommandsOf(header, ctx.process, change, commands, {
    event: "place",
    actor: ctx.actor,
    now: ctx.now,
  });
  return change;
}
