/**
 * The one source of money truth. `orderMoney` turns an order's items and expenses into every
 * amount the service shows or bills: the totals (what the order view says and what was placed),
 * each item's and expense's canceled, refunded and refundable amount, and what an invoice
 * issued now bills. The order view and the invoice both call it, so they cannot disagree.
 *
 * Rules (README, "Money"):
 * - Integers in minor units. Tax is rounded once per rate on the summed amounts. Products of
 *   amounts and rates are computed exactly (BigInt, the rate as the fraction it is spelt as).
 * - An item's money is canceled when its state is flagged `cancelled`, refunded when flagged
 *   `refunded`, refundable (still charged) otherwise. A shipping expense is canceled when every
 *   item of its shipment is canceled, refunded when every item is canceled or refunded and at
 *   least one refunded, refundable otherwise. canceled + refunded + refundable = grand total.
 * - Gross prices: an item's amount is quantity x unit price, exactly. Net prices: tax is added
 *   once per rate and shared out to the lines and expense parts of that rate (largest
 *   remainder); within a line, the canceled units' share is fixed by their quantity alone, the
 *   refunded units' share comes next, the rest is refundable, so nothing is ever negative and
 *   a line's parts add up to the line.
 */
import { defaultCategory, type TaxCategory } from "../domain/einvoice";
import type { MoneyStatus, MoneyTotals, TaxByRate } from "../domain/order-view";
import type { ProcessDefinition } from "../machines/registry";
import type { OrderHeader, OrderState, Shipment } from "./model";
import { stateInfo } from "./step";

export type { MoneyStatus };

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

/** What money needs of an item: an `ItemView` is one, and `moneySourceOf` makes them from state. */
export interface MoneyItem {
  id: string;
  lineId: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
  taxCategory: TaxCategory;
  shipmentId: string;
  flags: readonly string[];
}

/** What money needs of a shipping expense: an `ExpenseView` is one. */
export interface MoneyExpense {
  shipmentId: string;
  /** Set for a removed (emptied) shipment: its expense follows this shipment's items. */
  movedTo: string | null;
  amount: number;
  byRate: readonly RateAmount[];
}

export interface MoneySource {
  priceMode: "gross" | "net";
  items: Iterable<MoneyItem>;
  expenses: Iterable<MoneyExpense>;
}

export interface Amounts {
  canceled: number;
  refunded: number;
  refundable: number;
}

export interface ExpenseMoney extends Amounts {
  status: MoneyStatus;
}

export interface OrderMoney {
  /** Everything the order charges: the totals as placed. */
  totals: MoneyTotals;
  /** What is still charged (refundable), with net and tax per rate: what an invoice bills. */
  billable: MoneyTotals;
  canceledTotal: number;
  refundedTotal: number;
  refundableTotal: number;
  items: Map<string, Amounts>;
  /** By shipment id (current and removed shipments alike). */
  expenses: Map<string, ExpenseMoney>;
  /** By line id: what events report, exact per line. */
  lines: Map<string, Amounts>;
  /** By line id: the units still charged (neither canceled nor refunded). */
  openUnits: Map<string, number>;
}

export const statusOf = (flags: readonly string[]): MoneyStatus =>
  flags.includes("cancelled") ? "canceled" : flags.includes("refunded") ? "refunded" : "open";

const amountsOf = (status: MoneyStatus, amount: number): Amounts => ({
  canceled: status === "canceled" ? amount : 0,
  refunded: status === "refunded" ? amount : 0,
  refundable: status === "open" ? amount : 0,
});

// ---------------------------------------------------------------- exact arithmetic

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
function taxOnTop(net: number, rate: number): number {
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
    for (let k = 0; k < left; k++) {
      const { i } = remainders[k] as { i: number };
      parts[i] = (parts[i] as number) + 1;
    }
  }
  return parts;
}

/** floor(a x b / c) for non-negative integers, exact. */
const mulDiv = (a: number, b: number, c: number): number => {
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

// ---------------------------------------------------------------- the function

interface LineAcc {
  unitPrice: number;
  taxRate: number;
  taxCategory: TaxCategory;
  quantity: number;
  /** Units per status. */
  units: Record<MoneyStatus, number>;
  items: Record<MoneyStatus, MoneyItem[]>;
  /** Net mode: the line's share of its rate's tax. */
  tax: number;
}

interface Counts {
  all: number;
  canceled: number;
  refunded: number;
}

const STATUSES: readonly MoneyStatus[] = ["canceled", "refunded", "open"];

function statusOfCounts(c: Counts | undefined): MoneyStatus | undefined {
  if (!c || c.all === 0) return undefined;
  if (c.canceled === c.all) return "canceled";
  if (c.canceled + c.refunded === c.all) return "refunded";
  return "open";
}

/** Every amount of an order (see the module comment for the rules). */
export function orderMoney(source: MoneySource): OrderMoney {
  const net = source.priceMode === "net";
  const lines = new Map<string, LineAcc>();
  const perShipment = new Map<string, Counts>();
  const whole: Counts = { all: 0, canceled: 0, refunded: 0 };
  for (const item of source.items) {
    const status = statusOf(item.flags);
    let line = lines.get(item.lineId);
    if (!line) {
      line = {
        unitPrice: item.unitPrice,
        taxRate: item.taxRate,
        taxCategory: item.taxCategory,
        quantity: 0,
        units: { canceled: 0, refunded: 0, open: 0 },
        items: { canceled: [], refunded: [], open: [] },
        tax: 0,
      };
      lines.set(item.lineId, line);
    }
    line.quantity += item.quantity;
    line.units[status] += item.quantity;
    line.items[status].push(item);
    let counts = perShipment.get(item.shipmentId);
    if (!counts) {
      counts = { all: 0, canceled: 0, refunded: 0 };
      perShipment.set(item.shipmentId, counts);
    }
    counts.all += 1;
    whole.all += 1;
    if (status !== "open") {
      counts[status] += 1;
      whole[status] += 1;
    }
  }
  const lineIds = [...lines.keys()].sort(byNumber);
  const expenses = [...source.expenses].sort((a, b) => byNumber(a.shipmentId, b.shipmentId));
  const expenseStatus = (e: MoneyExpense): MoneyStatus =>
    statusOfCounts(perShipment.get(e.movedTo ?? e.shipmentId)) ?? statusOfCounts(whole) ?? "open";

  // Net prices: the tax of each tax class, once, shared out to its lines and expense parts.
  const partTax = new Map<MoneyExpense, number[]>();
  if (net) {
    const byClass = new Map<string, { weight: number; set: (tax: number) => void }[]>();
    const rateOf = new Map<string, number>();
    const add = (c: TaxClass, weight: number, set: (tax: number) => void) => {
      const key = taxKey(c);
      const list = byClass.get(key) ?? [];
      list.push({ weight, set });
      byClass.set(key, list);
      rateOf.set(key, c.rate);
    };
    for (const id of lineIds) {
      const line = lines.get(id) as LineAcc;
      add(
        { category: line.taxCategory, rate: line.taxRate },
        line.unitPrice * line.quantity,
        (tax) => {
          line.tax = tax;
        },
      );
    }
    for (const e of expenses) {
      const taxes = e.byRate.map(() => 0);
      partTax.set(e, taxes);
      e.byRate.forEach((part, i) => {
        add(part, part.amount, (tax) => {
          taxes[i] = tax;
        });
      });
    }
    for (const [key, positions] of byClass) {
      const rate = rateOf.get(key) ?? 0;
      const due = taxOnTop(
        positions.reduce((n, p) => n + p.weight, 0),
        rate,
      );
      const shares = allocate(
        due,
        positions.map((p) => p.weight),
      );
      positions.forEach((p, i) => {
        p.set(shares[i] ?? 0);
      });
    }
  }

  const all = new RateSums();
  const billable = new RateSums();
  const itemMoney = new Map<string, Amounts>();
  const lineMoney = new Map<string, Amounts>();
  const openUnits = new Map<string, number>();
  let canceledTotal = 0;
  let refundedTotal = 0;
  let refundableTotal = 0;

  for (const id of lineIds) {
    const line = lines.get(id) as LineAcc;
    const { unitPrice: u, quantity: q, tax } = line;
    // Gross of the line's first k units, canceled units first, then refunded, then the rest.
    const first = (k: number) => u * k + (tax === 0 || q === 0 ? 0 : mulDiv(tax, k, q));
    const canceledUnits = line.units.canceled;
    const closedUnits = canceledUnits + line.units.refunded;
    const amounts: Amounts = {
      canceled: first(canceledUnits),
      refunded: first(closedUnits) - first(canceledUnits),
      refundable: u * q + tax - first(closedUnits),
    };
    lineMoney.set(id, amounts);
    canceledTotal += amounts.canceled;
    refundedTotal += amounts.refunded;
    refundableTotal += amounts.refundable;
    const taxClass = { category: line.taxCategory, rate: line.taxRate };
    all.add(taxClass, u * q, tax);
    const open = line.units.open;
    openUnits.set(id, open);
    if (open > 0) billable.add(taxClass, u * open, amounts.refundable - u * open);

    for (const status of STATUSES) {
      const items = line.items[status];
      if (items.length === 0) continue;
      // Gross prices (no tax to share): every item is exactly its quantity x unit price.
      if (tax === 0) {
        for (const item of items) itemMoney.set(item.id, amountsOf(status, u * item.quantity));
        continue;
      }
      if (items.length > 1) items.sort((a, b) => byNumber(a.id, b.id));
      const shares = allocate(
        status === "open" ? amounts.refundable : amounts[status],
        items.map((i) => i.quantity),
      );
      items.forEach((item, i) => {
        itemMoney.set(item.id, amountsOf(status, shares[i] ?? 0));
      });
    }
  }

  const expenseMoney = new Map<string, ExpenseMoney>();
  let expenseTotal = 0;
  for (const e of expenses) {
    const status = expenseStatus(e);
    const taxes = partTax.get(e) ?? [];
    let gross = e.amount;
    e.byRate.forEach((part, i) => {
      const tax = taxes[i] ?? 0;
      gross += tax;
      all.add(part, part.amount, tax);
      if (status === "open") billable.add(part, part.amount, tax);
    });
    expenseTotal += e.amount;
    const amounts = amountsOf(status, gross);
    expenseMoney.set(e.shipmentId, { status, ...amounts });
    canceledTotal += amounts.canceled;
    refundedTotal += amounts.refunded;
    refundableTotal += amounts.refundable;
  }

  const subtotal = lineIds.reduce((n, id) => {
    const l = lines.get(id) as LineAcc;
    return n + l.unitPrice * l.quantity;
  }, 0);
  const billableSubtotal = lineIds.reduce((n, id) => {
    const l = lines.get(id) as LineAcc;
    return n + l.unitPrice * l.units.open;
  }, 0);
  const billableExpenses = expenses.reduce(
    (n, e) => n + (expenseMoney.get(e.shipmentId)?.status === "open" ? e.amount : 0),
    0,
  );
  return {
    totals: all.totals(net, subtotal, expenseTotal),
    billable: billable.totals(net, billableSubtotal, billableExpenses),
    canceledTotal,
    refundedTotal,
    refundableTotal,
    items: itemMoney,
    expenses: expenseMoney,
    lines: lineMoney,
    openUnits,
  };
}

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

/**
 * Amounts summed per tax class (category and rate). Net prices bring their tax (already shared
 * out); gross prices contain theirs, taken out once per class on the sum.
 */
class RateSums {
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

// ---------------------------------------------------------------- from the stored order

/** The order as money sees it: its items with their states' flags, and every expense. */
export function moneySourceOf(
  state: Pick<OrderState, "lines" | "items" | "shipments"> & {
    header: Pick<OrderHeader, "priceMode" | "removedShipments">;
  },
  process: ProcessDefinition,
): MoneySource {
  const items: MoneyItem[] = [];
  for (const item of state.items.values()) {
    const line = state.lines.get(item.lineId);
    if (!line) throw new Error(`item ${item.id} refers to unknown line ${item.lineId}`);
    items.push({
      id: item.id,
      lineId: item.lineId,
      quantity: item.quantity,
      unitPrice: line.unitPrice,
      taxRate: line.taxRate,
      taxCategory: line.taxCategory,
      shipmentId: item.shipmentId,
      flags: stateInfo(process, item.state)?.flags ?? [],
    });
  }
  const expenses: MoneyExpense[] = [
    ...[...state.shipments.values()].map((s) => ({
      shipmentId: s.id,
      movedTo: null,
      amount: s.expense,
      byRate: expenseByRate(s),
    })),
    ...(state.header.removedShipments ?? []).map((s) => ({
      shipmentId: s.id,
      movedTo: s.movedTo,
      amount: s.expense,
      byRate: expenseByRate(s),
    })),
  ];
  return { priceMode: state.header.priceMode, items, expenses };
}
