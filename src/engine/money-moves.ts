import { z } from "zod";
import { taxCategory } from "../domain/einvoice";
import type { JsonObject } from "../domain/json";
import type { MoneyStatus } from "../domain/order-view";
import { type Failure, fail } from "../domain/result";
import type { ProcessDefinition } from "../machines/registry";
import { type Billed, billedDifference } from "./billing";
import { erpEvent } from "./command-effects";
import { afterChange, type Change, type NewHistoryEntry, type OrderState } from "./model";
import { moneySourceOf, orderMoney } from "./money";

/**
 * Records the money a change moves: a `cancellation` history entry when the canceled total
 * moves, a `refund` entry when the refunded total moves (per-line amounts, shipping expenses
 * refunded with the last item of their shipment), and for refunds an outbound
 * `order.items.refunded` event for the ERP. Amounts are the exact difference of `orderMoney`
 * before and after, so the entries of an order add up to its totals.
 */
export function recordMoneyMoved(
  state: OrderState,
  process: ProcessDefinition,
  change: Change,
  options: { actor: string; now: number; event: string },
  entered: ReadonlyMap<MoneyStatus, string[]> = new Map(),
): Failure | null {
  const after = afterChange(state, change);
  const was = orderMoney(moneySourceOf(state, process));
  const is = orderMoney(moneySourceOf(after, process));
  // Once an invoice is issued or on its way, what leaves it is credited (a credit note per
  // change, its content kept with the change's money entry), and nothing may come back.
  const header = change.header ?? state.header;
  const invoiced = header.invoice !== null || header.invoiceRequestedAt !== null;
  const credit = invoiced ? billedDifference(was, is) : null;
  if (credit === "back")
    return fail(
      "PRECONDITION_FAILED",
      `the order's invoice is ${header.invoice ? `issued (${header.invoice.reference})` : "being issued"}: this change would charge again money that left it (an expense or units of a canceled or refunded part); its invoice and credit notes cannot express that`,
      { invoice: header.invoice?.reference ?? null },
    );
  let last: NewHistoryEntry | undefined;
  for (const status of ["canceled", "refunded"] as const) {
    const total = status === "canceled" ? "canceledTotal" : "refundedTotal";
    const amount = is[total] - was[total];
    const itemIds = entered.get(status) ?? [];
    if (amount === 0 && itemIds.length === 0) continue;
    const units = new Map<string, number>();
    for (const id of itemIds) {
      const item = after.items.get(id);
      if (item) units.set(item.lineId, (units.get(item.lineId) ?? 0) + item.quantity);
    }
    const lines = [...is.lines].flatMap(([lineId, a]) => {
      const moved = a[status] - (was.lines.get(lineId)?.[status] ?? 0);
      const quantity = units.get(lineId) ?? 0;
      return moved === 0 && quantity === 0
        ? []
        : [{ lineId, sku: state.lines.get(lineId)?.sku ?? "", quantity, amount: moved }];
    });
    const shipping = [...is.expenses].flatMap(([shipmentId, e]) => {
      const moved = e[status] - (was.expenses.get(shipmentId)?.[status] ?? 0);
      return moved === 0 ? [] : [{ shipmentId, amount: moved }];
    });
    const currency = state.header.currency;
    last = {
      at: options.now,
      actor: options.actor,
      type: status === "canceled" ? "cancellation" : "refund",
      event: options.event,
      itemIds,
      data: {
        currency,
        amount,
        items: lines.reduce((n, l) => n + l.amount, 0),
        shipping,
        [total]: is[total],
      },
    };
    change.history.push(last);
    if (status === "refunded")
      change.effects.push(
        erpEvent(change.header ?? state.header, options.now, "order.items.refunded", {
          currency,
          refundedAmount: amount,
          refundedTotal: is.refundedTotal,
          itemIds,
          lines: lines.map(({ amount: refundedAmount, ...l }) => ({ ...l, refundedAmount })),
          shipping: shipping.map(({ amount: refundedAmount, ...s }) => ({ ...s, refundedAmount })),
        }),
      );
  }
  if (credit && last && credit.totals.grandTotal > 0) {
    // One credit note for the change, named by its last money entry. Issued now when the
    // invoice exists; when it is still on its way, recording it issues those after its version.
    last.data = { ...last.data, credit: creditJson(credit) };
    if (header.invoice !== null) change.effects.push({ kind: "credit-note", key: last });
  }
  return null;
}

/** Credit-note content as a history entry keeps it (flat: tax classes as tuples). */
const creditJson = ({ lines, shipping, totals }: Billed) => {
  const { taxByRate, ...sums } = totals;
  return {
    lines: lines.map((l) => [l.lineId, l.quantity]),
    shipping,
    totals: sums,
    taxByRate: taxByRate.map((r) => [r.category, r.rate, r.net, r.tax]),
  };
};

const storedCredit = z.object({
  lines: z.array(z.tuple([z.string(), z.number()])),
  shipping: z.array(z.string()),
  totals: z.object({
    subtotal: z.number(),
    expenseTotal: z.number(),
    discountTotal: z.number(),
    taxTotal: z.number(),
    grandTotal: z.number(),
  }),
  taxByRate: z.array(z.tuple([taxCategory, z.number(), z.number(), z.number()])),
});

/** The credit-note content a money entry carries (`data.credit`), or null when it has none. */
export function creditOfEntry(data: JsonObject | undefined): Billed | null {
  if (data?.credit === undefined) return null;
  const { lines, shipping, totals, taxByRate } = storedCredit.parse(data.credit);
  return {
    lines: lines.map(([lineId, quantity]) => ({ lineId, quantity })),
    shipping,
    totals: {
      ...totals,
      taxByRate: taxByRate.map(([category, rate, net, tax]) => ({ category, rate, net, tax })),
    },
  };
}
