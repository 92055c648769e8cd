import type { DocumentType } from "../domain/invoices";
import { formatMoney, html } from "../mail/html";
import type { Mail, MailAttachment } from "../mail/transport";

export interface DocumentMailInput {
  type: DocumentType;
  reference: string;
  orderReference: string;
  /** A credit note's invoice. */
  invoiceReference?: string | null;
  customerEmail: string;
  currency: string;
  grandTotal: number | null;
  /** The documents, attached whole: a large order's invoice is megabytes, not a mail body. */
  attachments: MailAttachment[];
}

/** The mail of an invoice or credit note: a short note, its documents (HTML and XML) attached. */
export function documentMail(
  input: DocumentMailInput,
  bcc: string[],
  idempotencyKey: string,
): Mail {
  const invoice = input.type === "invoice";
  const title = invoice ? "Invoice" : "Credit note";
  const total = input.grandTotal === null ? null : formatMoney(input.grandTotal, input.currency);
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} ${input.reference}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem">
<p>Hello,</p>
<p>please find attached ${invoice ? "invoice" : "credit note"} <strong>${input.reference}</strong>
${invoice ? "" : html`for invoice <strong>${input.invoiceReference ?? ""}</strong> `}for your order
<strong>${input.orderReference}</strong>${total ? html`, total <strong>${total}</strong>` : ""}.</p>
<p>Open the attached HTML file in a browser to read or print it. The XML file is the same
document as a structured e-invoice (UBL 2.1, EN 16931) for your accounting software.</p>
</body></html>`;
  return {
    to: input.customerEmail,
    bcc,
    subject: `${title}: ${input.reference}`,
    html: body.toString(),
    idempotencyKey,
    attachments: input.attachments,
  };
}
