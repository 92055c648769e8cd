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
import type { MoneyStatus, MoneyTotals, TaxByRate } from "../domain/view";
import type { ProcessDefinition } from "../machines/registry";
import type { OrderHeader, OrderState, Shipment } from "./model";
import { stateInfo } from "./step";

export type { MoneyStatus };

export interface RateAmount {
  rate: number;
  amount: number;
}

/** What money needs of an item: an `ItemView` is one, and `moneySourceOf` makes them from state. */
export interface MoneyItem {
  id: string;
  lineId: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
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
 * The shipping tax rule: the method's `taxRate` when the placement gives one; otherwise the
 * rates of the goods the shipment carries, the expense split in proportion to their value (to
 * their quantity when they are all free), as EU VAT treats shipping as part of the supply.
 */
export function shippingByRate(
  expense: number,
  methodRate: number | undefined,
  goods: readonly { rate: number; amount: number; quantity: number }[],
): RateAmount[] {
  if (expense === 0) return [];
  if (methodRate !== undefined) return [{ rate: methodRate, amount: expense }];
  const value = new Map<number, number>();
  const units = new Map<number, number>();
  for (const g of goods) {
    value.set(g.rate, (value.get(g.rate) ?? 0) + g.amount);
    units.set(g.rate, (units.get(g.rate) ?? 0) + g.quantity);
  }
  const rates = [...value.keys()].sort((a, b) => b - a);
  const anyValue = rates.some((r) => (value.get(r) ?? 0) > 0);
  const parts = allocate(
    expense,
    rates.map((r) => (anyValue ? value.get(r) : units.get(r)) ?? 0),
  );
  return rates.map((rate, i) => ({ rate, amount: parts[i] ?? 0 })).filter((p) => p.amount > 0);
}

/** A stored shipment's expense by rate; shipments stored before the rule used the method's rate or 0. */
export const expenseByRate = (s: Shipment): RateAmount[] =>
  s.expenseByRate ?? (s.expense > 0 ? [{ rate: s.method.taxRate ?? 0, amount: s.expense }] : []);

// ---------------------------------------------------------------- the function

interface LineAcc {
  unitPrice: number;
  taxRate: number;
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

  // Net prices: the tax of each rate, once, shared out to its lines and expense parts.
  const partTax = new Map<MoneyExpense, number[]>();
  if (net) {
    const byRate = new Map<number, { weight: number; set: (tax: number) => void }[]>();
    const add = (rate: number, weight: number, set: (tax: number) => void) => {
      const list = byRate.get(rate) ?? [];
      list.push({ weight, set });
      byRate.set(rate, list);
    };
    for (const id of lineIds) {
      const line = lines.get(id) as LineAcc;
      add(line.taxRate, line.unitPrice * line.quantity, (tax) => {
        line.tax = tax;
      });
    }
    for (const e of expenses) {
      const taxes = e.byRate.map(() => 0);
      partTax.set(e, taxes);
      e.byRate.forEach((part, i) => {
        add(part.rate, part.amount, (tax) => {
          taxes[i] = tax;
        });
      });
    }
    for (const [rate, positions] of byRate) {
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
    all.add(line.taxRate, u * q, tax);
    const open = line.units.open;
    if (open > 0) billable.add(line.taxRate, u * open, amounts.refundable - u * open);

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
      all.add(part.rate, part.amount, tax);
      if (status === "open") billable.add(part.rate, part.amount, tax);
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
  };
}

/**
 * Amounts summed per tax rate. Net prices bring their tax (already shared out); gross prices
 * contain theirs, taken out once per rate on the sum.
 */
class RateSums {
  private readonly rates = new Map<number, { amount: number; tax: number }>();

  add(rate: number, amount: number, netTax: number) {
    const sum = this.rates.get(rate) ?? { amount: 0, tax: 0 };
    sum.amount += amount;
    sum.tax += netTax;
    this.rates.set(rate, sum);
  }

  totals(net: boolean, subtotal: number, expenseTotal: number): MoneyTotals {
    const taxByRate: TaxByRate[] = [...this.rates.entries()]
      .sort(([a], [b]) => b - a)
      .map(([rate, { amount, tax }]) => {
        if (net) return { rate, net: amount, tax };
        const included = taxIncluded(amount, rate);
        return { rate, net: amount - included, tax: included };
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
