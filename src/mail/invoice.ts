import { formatMoney, html } from "./html";
import type { Mail } from "./transport";

export interface InvoiceMailInput {
  reference: string;
  orderReference: string;
  customerEmail: string;
  currency: string;
  grandTotal: number | null;
  /** The document, attached whole: a large order's invoice is megabytes, not a mail body. */
  document: { content: string; storageKey?: string };
}

/** The invoice mail: a short note, with the invoice document as an attachment. */
export function invoiceMail(
  invoice: InvoiceMailInput,
  bcc: string[],
  idempotencyKey: string,
): Mail {
  const total =
    invoice.grandTotal === null ? null : formatMoney(invoice.grandTotal, invoice.currency);
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${invoice.reference}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem">
<p>Hello,</p>
<p>please find attached invoice <strong>${invoice.reference}</strong> for your order
<strong>${invoice.orderReference}</strong>${total ? html`, total <strong>${total}</strong>` : ""}.</p>
<p>Open the attached file in a browser to read or print it.</p>
</body></html>`;
  return {
    to: invoice.customerEmail,
    bcc,
    subject: `Invoice: ${invoice.reference}`,
    html: body.toString(),
    idempotencyKey,
    attachments: [
      {
        filename: `${invoice.reference}.html`,
        contentType: INVOICE_CONTENT_TYPE,
        content: invoice.document.content,
        ...(invoice.document.storageKey ? { storageKey: invoice.document.storageKey } : {}),
      },
    ],
  };
}

export const INVOICE_CONTENT_TYPE = "text/html; charset=utf-8";
