import type { MoneyTotals } from "../domain/order-view";
import type { ExpenseMoney, OrderMoney } from "./money";
import { taxKey } from "./tax";

/** What an invoice bills and what a credit note credits, from the order's money. */

/** What an invoice or credit note covers: units per line, shipping expenses, their totals. */
export interface Billed {
  /** Units per line, in line order. */
  lines: { lineId: string; quantity: number }[];
  /** Shipment ids (removed shipments' included) whose expense is covered, in order. */
  shipping: string[];
  totals: MoneyTotals;
}

/** What an invoice issued now bills: every unit and expense still charged. */
export function billedNow(money: OrderMoney): Billed {
  return {
    lines: [...money.openUnits]
      .filter(([, units]) => units > 0)
      .map(([lineId, quantity]) => ({ lineId, quantity })),
    shipping: [...money.expenses]
      .filter(([, e]) => e.status === "open" && e.refundable > 0)
      .map(([id]) => id),
    totals: money.billable,
  };
}

/**
 * The money that left what an invoice bills between two moments: the billable units and
 * expenses of `before` no longer billable `after`, and `before.billable - after.billable` per
 * total and tax class. `back` when money went the other way (an expense or units charged again),
 * which no credit note can express; null when nothing billable moved.
 */
export function billedDifference(before: OrderMoney, after: OrderMoney): Billed | "back" | null {
  const lines: Billed["lines"] = [];
  for (const [lineId, was] of before.openUnits) {
    const is = after.openUnits.get(lineId) ?? 0;
    if (is > was) return "back";
    if (is < was) lines.push({ lineId, quantity: was - is });
  }
  const shipping: string[] = [];
  const charged = (e: ExpenseMoney | undefined) => e?.status === "open" && e.refundable > 0;
  for (const [id, e] of after.expenses)
    if (charged(e) && !charged(before.expenses.get(id))) return "back";
  for (const [id, e] of before.expenses)
    if (charged(e) && !charged(after.expenses.get(id))) shipping.push(id);
  const totals = subtractTotals(before.billable, after.billable);
  if (totals.grandTotal === 0 && lines.length === 0 && shipping.length === 0) return null;
  return { lines, shipping, totals };
}

/** `a - b`, total by total and tax class by tax class (classes left at 0 are dropped). */
export function subtractTotals(a: MoneyTotals, b: MoneyTotals): MoneyTotals {
  const rest = new Map(b.taxByRate.map((r) => [taxKey(r), r]));
  return {
    subtotal: a.subtotal - b.subtotal,
    expenseTotal: a.expenseTotal - b.expenseTotal,
    discountTotal: a.discountTotal - b.discountTotal,
    taxTotal: a.taxTotal - b.taxTotal,
    grandTotal: a.grandTotal - b.grandTotal,
    taxByRate: a.taxByRate
      .map((r) => {
        const other = rest.get(taxKey(r));
        return { ...r, net: r.net - (other?.net ?? 0), tax: r.tax - (other?.tax ?? 0) };
      })
      .filter((r) => r.net !== 0 || r.tax !== 0),
  };
}
