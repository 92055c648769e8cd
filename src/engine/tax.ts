import { defaultCategory, type TaxCategory } from "../domain/einvoice";
import type { MoneyTotals, TaxByRate } from "../domain/order-view";
import type { Shipment } from "./model";

/**
 * Tax arithmetic, exact: tax classes (VAT category and rate), tax included in or added to an
 * amount (BigInt, the rate as the fraction it is spelt as), amounts shared out by weight
 * (largest remainder), sums per tax class, and the shipping tax rule.
 */

/** A VAT category and rate: totals are kept per such class (Z and E at 0 % are two). */
export interface TaxClass {
  category: TaxCategory;
  rate: number;
}

export interface RateAmount extends TaxClass {
  amount: number;
}

/** One key per tax class, for maps. */
export const taxKey = (c: TaxClass) => `${c.category}|${c.rate}`;

/** Tax classes in the order documents list them: higher rates first, then by category. */
export const byTaxClass = (a: TaxClass, b: TaxClass) =>
  b.rate - a.rate || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0);

const fractions = new Map<number, readonly [bigint, bigint]>();

/** A tax rate as the exact fraction its decimal spelling says: 5.5 is 55/10, not a binary float. */
function rateFraction(rate: number): readonly [bigint, bigint] {
  let fraction = fractions.get(rate);
  if (!fraction) {
    const [mantissa = "0", exponent = "0"] = String(rate).toLowerCase().split("e");
    const [whole = "0", decimals = ""] = mantissa.split(".");
    let num = BigInt(whole + decimals);
    let den = 10n ** BigInt(decimals.length);
    const e = Number(exponent);
    if (e > 0) num *= 10n ** BigInt(e);
    else if (e < 0) den *= 10n ** BigInt(-e);
    fraction = [num, den];
    if (fractions.size > 1000) fractions.clear();
    fractions.set(rate, fraction);
  }
  return fraction;
}

/** n / d rounded half up (n >= 0, d > 0). */
const divRound = (n: bigint, d: bigint) => (2n * n + d) / (2n * d);

/** The tax a gross amount contains at `rate` percent. */
function taxIncluded(gross: number, rate: number): number {
  const [num, den] = rateFraction(rate);
  return Number(divRound(BigInt(gross) * num, 100n * den + num));
}

/** The tax due on top of a net amount at `rate` percent. */
export function taxOnTop(net: number, rate: number): number {
  const [num, den] = rateFraction(rate);
  return Number(divRound(BigInt(net) * num, 100n * den));
}

/**
 * Splits `total` over `weights` in proportion, in whole minor units (largest remainder): the
 * parts add up to `total` exactly; ties go to the earlier weight. All-zero weights split evenly.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  let w = weights;
  let sum = w.reduce((a, b) => a + b, 0);
  if (sum === 0) {
    w = w.map(() => 1);
    sum = w.length;
  }
  const parts: number[] = [];
  const remainders: { i: number; r: number | bigint }[] = [];
  // Small products are exact as doubles (integer % and exact division); large ones take BigInt.
  const small = total * sum <= Number.MAX_SAFE_INTEGER;
  const bigSum = small ? 0n : w.reduce((a, b) => a + BigInt(b), 0n);
  let left = total;
  w.forEach((x, i) => {
    let part: number;
    let r: number | bigint;
    if (small) {
      const p = total * x;
      r = p % sum;
      part = (p - r) / sum;
    } else {
      const p = BigInt(total) * BigInt(x);
      r = p % bigSum;
      part = Number(p / bigSum);
    }
    parts.push(part);
    remainders.push({ i, r });
    left -= part;
  });
  if (left > 0) {
    remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
    for (const { i } of remainders.slice(0, left)) parts[i] = (parts[i] ?? 0) + 1;
  }
  return parts;
}

/** floor(a x b / c) for non-negative integers, exact. */
export const mulDiv = (a: number, b: number, c: number): number => {
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) return (p - (p % c)) / c;
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
};

/** Ids such as `L12`, `I7`, `S3` in their numeric order, so ties never depend on load order. */
export const byNumber = (a: string, b: string) =>
  Number(a.slice(1)) - Number(b.slice(1)) || (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------- shipping tax

/**
 * The shipping tax rule: the method's category and rate when the placement gives them; otherwise
 * the categories and rates of the goods the shipment carries, the expense split in proportion to
 * their value (to their quantity when they are all free), as EU VAT treats shipping as part of
 * the supply.
 */
export function shippingByRate(
  expense: number,
  method: { taxRate?: number | undefined; taxCategory?: TaxCategory | undefined },
  goods: readonly (TaxClass & { amount: number; quantity: number })[],
): RateAmount[] {
  if (expense === 0) return [];
  if (method.taxRate !== undefined || method.taxCategory !== undefined) {
    const rate = method.taxRate ?? 0;
    return [{ category: method.taxCategory ?? defaultCategory(rate), rate, amount: expense }];
  }
  const classes = new Map<string, TaxClass & { value: number; units: number }>();
  for (const g of goods) {
    const key = taxKey(g);
    const c = classes.get(key) ?? { category: g.category, rate: g.rate, value: 0, units: 0 };
    c.value += g.amount;
    c.units += g.quantity;
    classes.set(key, c);
  }
  const sorted = [...classes.values()].sort(byTaxClass);
  const anyValue = sorted.some((c) => c.value > 0);
  const parts = allocate(
    expense,
    sorted.map((c) => (anyValue ? c.value : c.units)),
  );
  return sorted
    .map((c, i) => ({ category: c.category, rate: c.rate, amount: parts[i] ?? 0 }))
    .filter((p) => p.amount > 0);
}

/**
 * A stored shipment's expense by tax class. Shipments stored before the rule used the method's
 * rate or 0; parts stored before categories take S above 0 %, Z at 0 %.
 */
export const expenseByRate = (s: Shipment): RateAmount[] =>
  (
    s.expenseByRate ?? (s.expense > 0 ? [{ rate: s.method.taxRate ?? 0, amount: s.expense }] : [])
  ).map((p) => ({
    category: p.category ?? s.method.taxCategory ?? defaultCategory(p.rate),
    rate: p.rate,
    amount: p.amount,
  }));

/**
 * Amounts summed per tax class (category and rate). Net prices bring their tax (already shared
 * out); gross prices contain theirs, taken out once per class on the sum.
 */
export class RateSums {
  private readonly classes = new Map<string, TaxClass & { amount: number; tax: number }>();

  add(c: TaxClass, amount: number, netTax: number) {
    const key = taxKey(c);
    const sum = this.classes.get(key) ?? { category: c.category, rate: c.rate, amount: 0, tax: 0 };
    sum.amount += amount;
    sum.tax += netTax;
    this.classes.set(key, sum);
  }

  totals(net: boolean, subtotal: number, expenseTotal: number): MoneyTotals {
    const taxByRate: TaxByRate[] = [...this.classes.values()]
      .sort(byTaxClass)
      .map(({ category, rate, amount, tax }) => {
        if (net) return { rate, category, net: amount, tax };
        const included = taxIncluded(amount, rate);
        return { rate, category, net: amount - included, tax: included };
      });
    const taxTotal = taxByRate.reduce((n, r) => n + r.tax, 0);
    return {
      subtotal,
      expenseTotal,
      discountTotal: 0,
      taxTotal,
      grandTotal: subtotal + expenseTotal + (net ? taxTotal : 0),
      taxByRate,
    };
  }
}
