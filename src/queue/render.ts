import { z } from "zod";
import type { Address } from "../domain/inputs";
import type { MoneyTotals, OrderView } from "../domain/view";
import { type InvoiceExpense, type InvoiceLine, invoiceContent } from "../engine/invoice";
import { type Fragment, formatMoney, html, LOCALE, SafeHtml } from "../mail/html";

/** Bumped whenever the invoice layout changes; stored with each invoice (they are immutable). */
export const TEMPLATE_VERSION = 2;

export const seller = z.object({
  name: z.string().min(1),
  address: z.string().min(1),
  taxId: z.string().min(1),
  email: z.string().min(1),
});
export type Seller = z.infer<typeof seller>;

/** Parses the `SELLER` variable; a broken one is a configuration error, so it throws. */
export function parseSeller(json: string): Seller {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error("SELLER is not valid JSON");
  }
  const parsed = seller.safeParse(value);
  if (!parsed.success)
    throw new Error(
      `SELLER is invalid: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  return parsed.data;
}

export type InvoiceTotals = MoneyTotals;
export type { InvoiceExpense, InvoiceLine };

function expenseLabel(e: InvoiceExpense): string {
  const method = e.method.carrier ? `${e.method.name} (${e.method.carrier})` : e.method.name;
  return `Shipping: ${method} to ${e.address.zipCode} ${e.address.city}, ${e.address.country}`;
}

const percent = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 3 });
const formatRate = (rate: number) => `${percent.format(rate)} %`;

const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(LOCALE, { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));

function addressLines(a: Address): Fragment[] {
  const lines = [
    a.company,
    `${a.firstName} ${a.lastName}`,
    a.address1,
    a.address2,
    `${a.zipCode} ${a.city}`,
    a.country,
    a.phone,
    a.email,
  ];
  return lines.filter((l): l is string => Boolean(l)).map((l) => html`${l}<br>`);
}

const STYLE = `
  @page { size: A4; margin: 18mm 16mm; }
  * { box-sizing: border-box; }
  body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
    color: #111; margin: 0 auto; max-width: 190mm; padding: 12mm 0; background: #fff; }
  header { display: flex; justify-content: space-between; gap: 12mm; margin-bottom: 10mm; }
  h1 { font-size: 20pt; margin: 0 0 2mm; letter-spacing: 0.02em; }
  h2 { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.06em; color: #555;
    margin: 0 0 1.5mm; }
  .seller { text-align: right; }
  .parties { display: flex; justify-content: space-between; gap: 12mm; margin-bottom: 8mm; }
  dl.facts { display: grid; grid-template-columns: auto auto; gap: 0.5mm 5mm; margin: 0; }
  dl.facts dt { color: #555; }
  dl.facts dd { margin: 0; }
  table { width: 100%; border-collapse: collapse; margin-bottom: 6mm; }
  th, td { padding: 1.8mm 2mm; vertical-align: top; }
  thead th { text-align: left; border-bottom: 1.5pt solid #111; font-size: 9pt; }
  tbody td { border-bottom: 0.5pt solid #ccc; }
  .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .sku { color: #555; font-size: 9pt; }
  table.summary { width: 60%; margin-left: auto; }
  table.summary td { border-bottom: 0.5pt solid #ddd; }
  table.summary tr.grand td { border-top: 1.5pt solid #111; border-bottom: none;
    font-weight: 700; font-size: 12pt; }
  footer { margin-top: 10mm; color: #555; font-size: 9pt; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  @media print { body { padding: 0; max-width: none; } }
`;

export interface RenderInput {
  order: OrderView;
  /** The invoice number as printed, e.g. `Invoice-17`. */
  reference: string;
  issuedAt: string;
  seller: Seller;
}

/** Renders the printable invoice document and the totals of what it bills. */
export function renderInvoice({ order, reference, issuedAt, seller }: RenderInput): {
  html: string;
  totals: InvoiceTotals;
} {
  // What is billed and its totals come from the engine's orderMoney, as the order's own totals.
  const { lines, expenses, totals } = invoiceContent(order);
  const money = (minor: number) => formatMoney(minor, order.currency);
  const gross = order.priceMode === "gross";

  const lineRows = lines.map(
    (l) => html`<tr>
      <td class="num">${l.quantity}</td>
      <td>${l.name}<br><span class="sku">SKU ${l.sku}</span></td>
      <td class="num">${money(l.unitPrice)}</td>
      <td class="num">${formatRate(l.taxRate)}</td>
      <td class="num">${money(l.amount)}</td>
    </tr>`,
  );
  // A shipment's expense taxed at several rates (its goods mixed them) is one row per rate.
  const expenseRows = expenses.flatMap((e) => {
    const parts = e.byRate.length > 0 ? e.byRate : [{ rate: null, amount: e.amount }];
    return parts.map(
      (p) => html`<tr>
      <td class="num">1</td>
      <td>${expenseLabel(e)}${parts.length > 1 ? ` (share at ${formatRate(p.rate ?? 0)})` : ""}</td>
      <td class="num">${money(p.amount)}</td>
      <td class="num">${p.rate === null ? "" : formatRate(p.rate)}</td>
      <td class="num">${money(p.amount)}</td>
    </tr>`,
    );
  });
  const rateRows = totals.taxByRate.map(
    (r) => html`<tr>
      <td>Net at ${formatRate(r.rate)}</td><td class="num">${money(r.net)}</td>
    </tr><tr>
      <td>Tax ${formatRate(r.rate)}</td><td class="num">${money(r.tax)}</td>
    </tr>`,
  );

  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Invoice ${reference}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
  <div>
    <h1>Invoice</h1>
    <dl class="facts">
      <dt>Invoice number</dt><dd>${reference}</dd>
      <dt>Issue date</dt><dd><time datetime="${issuedAt}">${formatDate(issuedAt)}</time></dd>
      <dt>Order</dt><dd>${order.reference}</dd>
      <dt>Order date</dt><dd><time datetime="${order.placedAt}">${formatDate(order.placedAt)}</time></dd>
      ${order.customOrderReference ? html`<dt>Your reference</dt><dd>${order.customOrderReference}</dd>` : null}
      <dt>Customer number</dt><dd>${order.customerReference}</dd>
      <dt>Payment method</dt><dd>${order.paymentMethod}</dd>
    </dl>
  </div>
  <address class="seller">
    <strong>${seller.name}</strong><br>
    ${seller.address.split(/\n|,\s*/).map((part) => html`${part}<br>`)}
    Tax ID ${seller.taxId}<br>
    ${seller.email}
  </address>
</header>
<section class="parties">
  <div>
    <h2>Billing address</h2>
    <address>${addressLines(order.billingAddress)}</address>
  </div>
</section>
<table class="lines">
  <thead><tr>
    <th class="num">Qty</th><th>Item</th><th class="num">Unit price</th>
    <th class="num">Tax rate</th><th class="num">Amount</th>
  </tr></thead>
  <tbody>
    ${lineRows}
    ${expenseRows}
  </tbody>
</table>
<table class="summary">
  <tbody>
    <tr><td>Subtotal</td><td class="num">${money(totals.subtotal)}</td></tr>
    ${totals.expenseTotal > 0 || expenses.length > 0 ? html`<tr><td>Shipping</td><td class="num">${money(totals.expenseTotal)}</td></tr>` : null}
    ${rateRows}
    <tr><td>Tax total</td><td class="num">${money(totals.taxTotal)}</td></tr>
    <tr class="grand"><td>${gross ? "Total (tax included)" : "Total"}</td><td class="num">${money(totals.grandTotal)}</td></tr>
  </tbody>
</table>
<footer>
  <p>${gross ? "All prices include tax." : "Prices are net; tax is added per rate."} Amounts in ${order.currency}.</p>
  <p>${seller.name} · Tax ID ${seller.taxId} · ${seller.email}</p>
</footer>
</body>
</html>
`;
  return { html: doc.value, totals };
}
