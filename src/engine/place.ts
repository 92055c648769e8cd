import {
  categoryFor,
  DEFAULT_UNIT_CODE,
  defaultCategory,
  type TaxCategory,
  type TaxExemption,
} from "../domain/einvoice";
import type { PlaceOrderInput } from "../domain/inputs";
import type { ProcessDefinition } from "../machines/registry";
import { addCommandsOf } from "./command-effects";
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
import { moneySourceOf, orderMoney } from "./money";
import { initialStep } from "./step";
import { shippingByRate } from "./tax";

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
  const goods = new Map<
    string,
    { category: TaxCategory; rate: number; amount: number; quantity: number }[]
  >();
  // One exemption per category (placement checked they agree): it goes on the VAT breakdown.
  const taxExemptions: Partial<Record<TaxCategory, TaxExemption>> = {};
  const noteExemption = (
    category: TaxCategory,
    taxed: { taxExemptionReason?: string | undefined; taxExemptionReasonCode?: string | undefined },
  ) => {
    const { taxExemptionReason: reason, taxExemptionReasonCode: code } = taxed;
    if ((reason || code) && !taxExemptions[category])
      taxExemptions[category] = { ...(reason ? { reason } : {}), ...(code ? { code } : {}) };
  };
  input.lines.forEach((l, i) => {
    const category = categoryFor(l.taxRate, l.taxCategory) ?? defaultCategory(l.taxRate);
    noteExemption(category, l);
    const line: Line = {
      id: `L${i + 1}`,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.taxRate,
      taxCategory: category,
      unitCode: l.unitCode ?? DEFAULT_UNIT_CODE,
      isQuantitySplittable: l.isQuantitySplittable,
    };
    lines.push(line);
    const parts = l.allocations ?? [{ shipment: l.shipment ?? "", quantity: l.quantity }];
    for (const part of parts) {
      const shipmentId = shipmentIds.get(part.shipment) ?? "";
      items.push({
        id: `I${items.length + 1}`,
        lineId: line.id,
        quantity: part.quantity,
        shipmentId,
        state: first.snapshot.state,
        context: first.snapshot.context,
        stateSince: ctx.now,
      });
      const carried = goods.get(shipmentId) ?? [];
      carried.push({
        category,
        rate: l.taxRate,
        amount: part.quantity * l.unitPrice,
        quantity: part.quantity,
      });
      goods.set(shipmentId, carried);
    }
  });

  // Shipping is taxed as the goods it carries unless the method names its category or rate.
  for (const s of shipments) {
    s.expenseByRate = shippingByRate(s.expense, s.method, goods.get(s.id) ?? []);
    if (s.method.taxCategory) noteExemption(s.method.taxCategory, s.method);
  }

  // The totals as placed come from the same function as every later view and invoice.
  const { totals } = orderMoney(
    moneySourceOf(
      {
        header: { priceMode: input.priceMode },
        lines: new Map(lines.map((l) => [l.id, l])),
        items: new Map(items.map((i) => [i.id, i])),
        shipments: new Map(shipments.map((s) => [s.id, s])),
      },
      ctx.process,
    ),
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
    ...(input.buyer && Object.keys(input.buyer).length > 0 ? { buyer: input.buyer } : {}),
    ...(Object.keys(taxExemptions).length > 0 ? { taxExemptions } : {}),
    totals,
    invoiceRequestedAt: null,
    exportedAt: null,
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
