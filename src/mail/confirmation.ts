import type { OrderView } from "../domain/order-view";
import { formatMoney, html } from "./html";
import type { Mail } from "./transport";

/** A mail lists this many items at most; a larger order says how many more it has. */
export const CONFIRMATION_MAX_ITEMS = 100;

/** The order confirmation: what was ordered, what it costs, and until when it can be cancelled. */
export function confirmationMail(order: OrderView): Mail {
  const money = (minor: number) => formatMoney(minor, order.currency);
  const shown = order.items.slice(0, CONFIRMATION_MAX_ITEMS);
  const more = order.items.length - shown.length;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order ${order.reference}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem">
<h1>Thank you for your order</h1>
<p>Hello ${order.customer.firstName} ${order.customer.lastName}, we received your order
<strong>${order.reference}</strong>${order.customOrderReference ? html` (your reference ${order.customOrderReference})` : ""}.</p>
<table style="width: 100%; border-collapse: collapse">
<thead><tr><th align="left">Item</th><th align="right">Qty</th><th align="right">Amount</th></tr></thead>
<tbody>${shown.map(
    (i) =>
      html`<tr><td>${i.name} <small>${i.sku}</small></td><td align="right">${i.quantity}</td><td align="right">${money(i.quantity * i.unitPrice)}</td></tr>`,
  )}${more > 0 ? html`<tr><td colspan="3">and ${more} more items</td></tr>` : ""}</tbody>
</table>
<p>Shipping: ${money(order.totals.expenseTotal)}<br>
Total: <strong>${money(order.totals.grandTotal)}</strong></p>
<p>You can cancel this order until ${order.cancellableUntil} (UTC).</p>
</body></html>`;
  return {
    to: order.customer.email,
    bcc: [],
    subject: `Order confirmation: ${order.reference}`,
    html: body.toString(),
    idempotencyKey: `${order.reference}:confirmation`,
  };
}
