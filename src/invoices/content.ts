import type { TaxCategory, TaxExemption } from "../domain/einvoice";
import type { Address, Method } from "../domain/inputs";
import type { MoneyTotals, OrderView, TaxByRate } from "../domain/order-view";
import type { Billed } from "../engine/billing";
import { statusOf } from "../engine/money";
import { allocate, byNumber, byTaxClass, type TaxClass, taxKey } from "../engine/tax";

// What an invoice or a credit note lists, from the same figures as the order's own money
// (`orderMoney`): the units and expenses it covers and their totals per VAT category and rate.
// The documents (HTML and UBL) are two renderings of this one content.

/** One document line: units of an order line. */
export interface DocumentLine {
  lineId: string;
  sku: string;
  name: string;
  quantity: number;
  unitCode: string;
  /** In the order's price mode (gross: VAT included). */
  unitPrice: number;
  taxCategory: TaxCategory;
  taxRate: number;
  /** quantity x unitPrice, in the order's price mode. */
  amount: number;
  /** The line's net amount (BT-131): exact for net prices, its class's net shared out for gross. */
  net: number;
}

/** Shipping of one shipment in one VAT class: a document-level charge (BG-21). */
export interface DocumentCharge {
  shipmentId: string;
  method: Method;
  address: Address;
  taxCategory: TaxCategory;
  taxRate: number;
  /** In the order's price mode. */
  amount: number;
  net: number;
}

/** One VAT breakdown (BG-23): a category and rate with its taxable amount and tax. */
export interface VatBreakdown extends TaxByRate {
  exemption?: TaxExemption | undefined;
}

export interface DocumentContent {
  priceMode: "gross" | "net";
  lines: DocumentLine[];
  charges: DocumentCharge[];
  totals: MoneyTotals;
  breakdown: VatBreakdown[];
  /** Sum of line net amounts (BT-106). */
  lineNet: number;
  /** Sum of charges (BT-108). */
  chargeNet: number;
}

/** What an invoice issued from this view bills: every unit and expense still charged. */
export function billedOf(order: OrderView): Billed {
  const units = new Map<string, number>();
  for (const item of order.items)
    if (statusOf(item.flags) === "open")
      units.set(item.lineId, (units.get(item.lineId) ?? 0) + item.quantity);
  return {
    lines: [...units]
      .sort(([a], [b]) => byNumber(a, b))
      .map(([lineId, quantity]) => ({ lineId, quantity })),
    shipping: order.expenses
      .filter((e) => e.status === "open" && e.refundableAmount > 0)
      .map((e) => e.shipmentId)
      .sort(byNumber),
    totals: order.totals.billable,
  };
}

/**
 * The document's content: the covered units per line, the covered expenses per VAT class, the
 * totals, and every position's net amount. Net prices: a position's net is its amount. Gross
 * prices: each class's net (its gross less the tax taken out once) is shared out to the class's
 * positions by amount (largest remainder, as the order shares), so line and charge nets add up
 * to each class's taxable amount exactly.
 */
export function documentContent(order: OrderView, billed: Billed): DocumentContent {
  const lineInfo = new Map(order.items.map((i) => [i.lineId, i]));
  const lines: DocumentLine[] = billed.lines.map(({ lineId, quantity }) => {
    const item = lineInfo.get(lineId);
    if (!item) throw new Error(`order ${order.reference} has no line ${lineId}`);
    return {
      lineId,
      sku: item.sku,
      name: item.name,
      quantity,
      unitCode: item.unitCode,
      unitPrice: item.unitPrice,
      taxCategory: item.taxCategory,
      taxRate: item.taxRate,
      amount: quantity * item.unitPrice,
      net: quantity * item.unitPrice,
    };
  });
  const expenses = new Map(order.expenses.map((e) => [e.shipmentId, e]));
  const charges: DocumentCharge[] = billed.shipping.flatMap((shipmentId) => {
    const expense = expenses.get(shipmentId);
    if (!expense) throw new Error(`order ${order.reference} has no shipping ${shipmentId}`);
    return expense.byRate.map((part) => ({
      shipmentId,
      method: expense.method,
      address: expense.address,
      taxCategory: part.category,
      taxRate: part.rate,
      amount: part.amount,
      net: part.amount,
    }));
  });

  // Every class a position uses has a breakdown, even at 0 (the rules want one per category).
  const classes = new Map<string, TaxByRate>(billed.totals.taxByRate.map((r) => [taxKey(r), r]));
  const positions = new Map<string, { amount: number; setNet: (net: number) => void }[]>();
  const add = (c: TaxClass, amount: number, setNet: (net: number) => void) => {
    const key = taxKey(c);
    if (!classes.has(key)) classes.set(key, { ...c, net: 0, tax: 0 });
    const list = positions.get(key) ?? [];
    list.push({ amount, setNet });
    positions.set(key, list);
  };
  for (const l of lines)
    add({ category: l.taxCategory, rate: l.taxRate }, l.amount, (net) => {
      l.net = net;
    });
  for (const c of charges)
    add({ category: c.taxCategory, rate: c.taxRate }, c.amount, (net) => {
      c.net = net;
    });
  if (order.priceMode === "gross")
    for (const [key, list] of positions) {
      const nets = allocate(
        classes.get(key)?.net ?? 0,
        list.map((p) => p.amount),
      );
      list.forEach((p, i) => {
        p.setNet(nets[i] ?? 0);
      });
    }

  const breakdown = [...classes.values()].sort(byTaxClass).map((r) => ({
    ...r,
    exemption: order.taxExemptions[r.category],
  }));
  return {
    priceMode: order.priceMode,
    lines,
    charges,
    totals: billed.totals,
    breakdown,
    lineNet: lines.reduce((n, l) => n + l.net, 0),
    chargeNet: charges.reduce((n, c) => n + c.net, 0),
  };
}
