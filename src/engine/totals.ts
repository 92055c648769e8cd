import type { TaxByRate } from "../domain/view";

export interface PricedLine {
  quantity: number;
  unitPrice: number;
  taxRate: number;
}

export interface PricedExpense {
  amount: number;
  taxRate: number;
}

export interface ComputedTotals {
  subtotal: number;
  expenseTotal: number;
  discountTotal: number;
  taxTotal: number;
  grandTotal: number;
  taxByRate: TaxByRate[];
}

/**
 * Integer-money totals. Tax is computed once per rate on the summed amounts, so rounding
 * happens once per rate and not once per line (the sum of the parts equals the total).
 * Gross mode: prices include tax. Net mode: tax is added on top.
 */
export function computeTotals(
  priceMode: "gross" | "net",
  lines: Iterable<PricedLine>,
  expenses: Iterable<PricedExpense>,
): ComputedTotals {
  const byRate = new Map<number, number>();
  let subtotal = 0;
  for (const line of lines) {
    const amount = line.quantity * line.unitPrice;
    subtotal += amount;
    byRate.set(line.taxRate, (byRate.get(line.taxRate) ?? 0) + amount);
  }
  let expenseTotal = 0;
  for (const expense of expenses) {
    expenseTotal += expense.amount;
    byRate.set(expense.taxRate, (byRate.get(expense.taxRate) ?? 0) + expense.amount);
  }
  const taxByRate = [...byRate.entries()]
    .sort(([a], [b]) => b - a)
    .map(([rate, amount]) => {
      if (priceMode === "gross") {
        const tax = Math.round((amount * rate) / (100 + rate));
        return { rate, net: amount - tax, tax };
      }
      return { rate, net: amount, tax: Math.round((amount * rate) / 100) };
    });
  const taxTotal = taxByRate.reduce((n, r) => n + r.tax, 0);
  const grandTotal = subtotal + expenseTotal + (priceMode === "net" ? taxTotal : 0);
  return { subtotal, expenseTotal, discountTotal: 0, taxTotal, grandTotal, taxByRate };
}
