import type { Address, Method } from "../domain/inputs";
import type { MoneyTotals, OrderView } from "../domain/view";
import { byNumber, orderMoney, type RateAmount, statusOf } from "./money";

/** One billed line of the invoice: the still-charged quantity of an order line. */
export interface InvoiceLine {
  lineId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
  amount: number;
}

/** One billed shipping expense, split by tax rate. */
export interface InvoiceExpense {
  shipmentId: string;
  method: Method;
  address: Address;
  amount: number;
  byRate: RateAmount[];
}

/**
 * What an invoice issued now bills: the refundable (still charged) part of the order, through
 * the same `orderMoney` as the order's own totals. Items neither canceled nor refunded, merged
 * per order line (a line split into several items is one line on paper), and every expense
 * still charged, removed shipments' included; the totals are the order's `billable` totals.
 */
export function invoiceContent(order: OrderView): {
  lines: InvoiceLine[];
  expenses: InvoiceExpense[];
  totals: MoneyTotals;
} {
  const money = orderMoney(order);
  const lines = new Map<string, InvoiceLine>();
  for (const item of order.items) {
    if (statusOf(item.flags) !== "open") continue;
    const amount = item.quantity * item.unitPrice;
    const line = lines.get(item.lineId);
    if (line) {
      line.quantity += item.quantity;
      line.amount += amount;
    } else
      lines.set(item.lineId, {
        lineId: item.lineId,
        sku: item.sku,
        name: item.name,
        quantity: item.quantity,
        unitPrice: item.unitPrice,
        taxRate: item.taxRate,
        amount,
      });
  }
  const expenses = order.expenses
    .filter((e) => money.expenses.get(e.shipmentId)?.status === "open")
    .map((e) => ({
      shipmentId: e.shipmentId,
      method: e.method,
      address: e.address,
      amount: e.amount,
      byRate: e.byRate,
    }));
  return {
    lines: [...lines.values()].sort((a, b) => byNumber(a.lineId, b.lineId)),
    expenses,
    totals: money.billable,
  };
}
