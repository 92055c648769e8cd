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
import type { TaxCategory } from "../domain/einvoice";
import type { MoneyStatus, MoneyTotals } from "../domain/order-view";
import type { ProcessDefinition } from "../machines/registry";
import type { OrderHeader, OrderState } from "./model";
import { stateInfo } from "./step";
import {
  allocate,
  byNumber,
  expenseByRate,
  mulDiv,
  type RateAmount,
  RateSums,
  type TaxClass,
  taxKey,
  taxOnTop,
} from "./tax";

export type { MoneyStatus };

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
  const sortedLines = [...lines].sort(([a], [b]) => byNumber(a, b));
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
    for (const [, line] of sortedLines) {
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

  for (const [id, line] of sortedLines) {
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

  const subtotal = sortedLines.reduce((n, [, l]) => n + l.unitPrice * l.quantity, 0);
  const billableSubtotal = sortedLines.reduce((n, [, l]) => n + l.unitPrice * l.units.open, 0);
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
