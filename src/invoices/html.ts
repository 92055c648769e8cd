import type { Address } from "../domain/inputs";
import { type Fragment, formatMoney, html, LOCALE, SafeHtml } from "../mail/html";
import type { DocumentCharge } from "./content";
import type { DocumentFacts } from "./ubl";

/** Bumped whenever the layout changes; stored with each document (they are immutable). */
export const TEMPLATE_VERSION = 3;

export const HTML_CONTENT_TYPE = "text/html; charset=utf-8";

const CATEGORY_NAMES: Record<string, string> = {
  S: "standard rate",
  Z: "zero rated",
  E: "exempt",
  AE: "reverse charge",
  K: "intra-community supply",
  G: "export outside the EU",
  O: "not subject to VAT",
  L: "IGIC (Canary Islands)",
  M: "IPSI (Ceuta and Melilla)",
};

const percent = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 3 });
const formatRate = (rate: number) => `${percent.format(rate)} %`;
const taxLabel = (category: string, rate: number) =>
  category === "S" ? formatRate(rate) : `${formatRate(rate)} ${category}`;

const formatDate = (iso: string) =>
  new Intl.DateTimeFormat(LOCALE, { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));

function addressLines(a: Partial<Address> & Pick<Address, "address1" | "zipCode" | "city">) {
  const lines = [
    a.company,
    a.firstName || a.lastName ? `${a.firstName ?? ""} ${a.lastName ?? ""}`.trim() : undefined,
    a.address1,
    a.address2,
    `${a.zipCode} ${a.city}`,
    a.country,
    a.phone,
    a.email,
  ];
  return lines.filter((l): l is string => Boolean(l)).map((l) => html`${l}<br>`);
}

const chargeLabel = (c: DocumentCharge) => {
  const method = c.method.carrier ? `${c.method.name} (${c.method.carrier})` : c.method.name;
  return `Shipping: ${method} to ${c.address.zipCode} ${c.address.city}, ${c.address.country}`;
};

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

/** The printable document (invoice or credit note): the same facts as its UBL twin. */
export function htmlDocument(facts: DocumentFacts): string {
  const { order, content, seller, type } = facts;
  const invoice = type === "invoice";
  const title = invoice ? "Invoice" : "Credit note";
  const money = (minor: number) => formatMoney(minor, order.currency);
  const gross = content.priceMode === "gross";
  const totals = content.totals;
  const prepaid = invoice && facts.prepaid;
  const buyer = order.buyer;

  const lineRows = content.lines.map(
    (l) => html`<tr>
      <td class="num">${l.quantity}${l.unitCode === "C62" ? "" : ` ${l.unitCode}`}</td>
      <td>${l.name}<br><span class="sku">SKU ${l.sku}</span></td>
      <td class="num">${money(l.unitPrice)}</td>
      <td class="num">${taxLabel(l.taxCategory, l.taxRate)}</td>
      <td class="num">${money(l.amount)}</td>
    </tr>`,
  );
  const chargeRows = content.charges.map(
    (c) => html`<tr>
      <td class="num">1</td>
      <td>${chargeLabel(c)}</td>
      <td class="num">${money(c.amount)}</td>
      <td class="num">${taxLabel(c.taxCategory, c.taxRate)}</td>
      <td class="num">${money(c.amount)}</td>
    </tr>`,
  );
  const breakdownRows = content.breakdown.map(
    (b) => html`<tr>
      <td>Net at ${formatRate(b.rate)} (${b.category}, ${CATEGORY_NAMES[b.category] ?? b.category})${
        b.exemption
          ? html`<br><span class="sku">${[b.exemption.code, b.exemption.reason].filter(Boolean).join(": ")}</span>`
          : null
      }</td><td class="num">${money(b.net)}</td>
    </tr><tr>
      <td>Tax ${formatRate(b.rate)} ${b.category}</td><td class="num">${money(b.tax)}</td>
    </tr>`,
  );
  const sellerIds: Fragment[] = [
    seller.vatId ? html`VAT ID ${seller.vatId}<br>` : null,
    seller.taxNumber ? html`Tax number ${seller.taxNumber}<br>` : null,
    seller.legalRegistrationId ? html`${seller.legalRegistrationId}<br>` : null,
  ];
  const dueDate =
    invoice && !prepaid && seller.paymentTerms
      ? new Date(
          Date.parse(facts.issuedAt) + seller.paymentTerms.dueDays * 86_400_000,
        ).toISOString()
      : null;

  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} ${facts.reference}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
  <div>
    <h1>${title}</h1>
    <dl class="facts">
      <dt>${title} number</dt><dd>${facts.reference}</dd>
      <dt>Issue date</dt><dd><time datetime="${facts.issuedAt}">${formatDate(facts.issuedAt)}</time></dd>
      ${facts.invoice ? html`<dt>For invoice</dt><dd>${facts.invoice.reference} of ${formatDate(facts.invoice.issuedAt)}</dd>` : null}
      ${facts.deliveredAt ? html`<dt>Delivery date</dt><dd>${formatDate(facts.deliveredAt)}</dd>` : null}
      <dt>Order</dt><dd>${order.reference}</dd>
      <dt>Order date</dt><dd><time datetime="${order.placedAt}">${formatDate(order.placedAt)}</time></dd>
      ${order.customOrderReference ? html`<dt>Your reference</dt><dd>${order.customOrderReference}</dd>` : null}
      ${buyer?.reference ? html`<dt>Buyer reference</dt><dd>${buyer.reference}</dd>` : null}
      <dt>Customer number</dt><dd>${order.customerReference}</dd>
      ${buyer?.vatId ? html`<dt>Your VAT ID</dt><dd>${buyer.vatId}</dd>` : null}
      <dt>Payment method</dt><dd>${order.paymentMethod}</dd>
    </dl>
  </div>
  <address class="seller">
    <strong>${seller.name}</strong><br>
    ${addressLines(seller.address)}
    ${sellerIds}
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
    <th class="num">Tax</th><th class="num">Amount</th>
  </tr></thead>
  <tbody>
    ${lineRows}
    ${chargeRows}
  </tbody>
</table>
<table class="summary">
  <tbody>
    <tr><td>Subtotal</td><td class="num">${money(totals.subtotal)}</td></tr>
    ${content.charges.length > 0 ? html`<tr><td>Shipping</td><td class="num">${money(totals.expenseTotal)}</td></tr>` : null}
    ${breakdownRows}
    <tr><td>Tax total</td><td class="num">${money(totals.taxTotal)}</td></tr>
    <tr class="grand"><td>${invoice ? "Total" : "Total credited"}${gross ? " (tax included)" : ""}</td><td class="num">${money(totals.grandTotal)}</td></tr>
    ${prepaid ? html`<tr><td>Paid in advance</td><td class="num">${money(totals.grandTotal)}</td></tr>` : null}
  </tbody>
</table>
<footer>
  <p>${gross ? "Prices include tax." : "Prices are net; tax is added per rate."} Amounts in ${order.currency}.</p>
  ${invoice && seller.paymentTerms && !prepaid ? html`<p>${seller.paymentTerms.text}${dueDate ? html` Due on ${formatDate(dueDate)}.` : null}</p>` : null}
  ${invoice && seller.bank && !prepaid ? html`<p>Bank transfer to ${seller.bank.accountName ?? seller.name}, IBAN ${seller.bank.iban}${seller.bank.bic ? html`, BIC ${seller.bank.bic}` : null}, reference ${facts.reference}.</p>` : null}
  ${invoice ? null : html`<p>This credit note corrects invoice ${facts.invoice?.reference ?? ""}: the amounts above are credited to you.</p>`}
  <p>${seller.name} · ${seller.vatId ? `VAT ID ${seller.vatId} · ` : ""}${seller.email}</p>
</footer>
</body>
</html>
`;
  return doc.value;
}
