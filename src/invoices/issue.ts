import { drizzle } from "drizzle-orm/d1";
import type { Db } from "../db/schema";
import * as schema from "../db/schema";
import type { DocumentType } from "../domain/invoices";
import type { OrderView } from "../domain/order-view";
import type { Result } from "../domain/result";
import { fail } from "../domain/result";
import type { Billed } from "../engine/billing";
import { statusOf } from "../engine/money";
import { getProcess } from "../machines/registry";
import { escapeHtml } from "../mail/html";
import { type MailTransport, mailTransportFromEnv, parseBcc } from "../mail/transport";
import { serviceClock } from "../worker/service-clock";
import { type InvoicingConfig, invoicingConfig, paymentMeansOf } from "./config";
import { billedOf, documentContent as contentOf } from "./content";
import { htmlDocument, TEMPLATE_VERSION } from "./html";
import { documentMail } from "./mail";
import {
  type DocumentRow,
  documentContent,
  documentInfo,
  documentsOf,
  fileName,
  findByReference,
  findDocument,
  markMailed,
  storeDocuments,
} from "./store";
import { type DocumentFacts, ublDocument } from "./ubl";
import { escapeXml } from "./xml";

// Issuing invoices and credit notes. Every step is safe to repeat, so a redelivered or
// concurrently delivered job converges on one document, one number and one mail. Everything
// that can fail for a local reason (the order, the configuration, rendering) comes before the
// number: a job that fails there holds no number, so a dead-lettered job leaves no gap.

export interface IssueDeps {
  transport?: MailTransport;
  now?: () => Date;
}

export type IssueOutcome =
  | { issued: true; reference: string; issuedAt: string; mailedAt: string }
  | { issued: false; reason: string };

/** The largest UBL document sent to the ERP inline; larger ones only by `documents` and the API. */
export const INLINE_UBL_LIMIT = 256 * 1024;

const numbers = (env: Env) => env.INVOICE_NUMBERS.getByName("global");

/** The service's clock as dates (issue dates, mailing times). */
async function clockOf(env: Env, deps: IssueDeps): Promise<() => Date> {
  if (deps.now) return deps.now;
  const clock = await serviceClock(env);
  return () => new Date(clock());
}

/** The order's invoice: what the order still charges now, or nothing when nothing is. */
export async function issueInvoice(
  env: Env,
  orderReference: string,
  deps: IssueDeps = {},
): Promise<IssueOutcome> {
  const now = await clockOf(env, deps);
  const db = drizzle(env.DB);
  const order = env.ORDERS.getByName(orderReference);
  // Stored documents are immutable: a redelivery uses the row as it is, never re-renders.
  let row = await findDocument(db, "invoice", orderReference);
  if (!row) {
    const config = invoicingConfig(env);
    const source = await order.invoiceSource();
    if (!source.ok)
      throw new Error(
        `order ${orderReference} has no invoice source: ${source.code} ${source.message}`,
      );
    const view = checked(source.order, orderReference);
    const billed = billedOf(view);
    if (billed.totals.grandTotal === 0) {
      const reason =
        "nothing is billable: every item and shipping charge is canceled or refunded (or free)";
      const recorded = await order.invoiceNotIssued({ version: view.version, reason });
      if (!recorded.ok) throw refused(orderReference, recorded);
      return { issued: false, reason };
    }
    row = await create(env, db, {
      type: "invoice",
      view,
      billed,
      config,
      version: view.version,
      numberKey: orderReference,
      issuedAt: now().toISOString(),
      prepaid: paymentMeansOf(config.paymentMeans, view.paymentMethod).prepaid && paid(view),
    });
  }
  const mailedAt = await mailOnce(env, db, row, deps, now);
  const documents = await documentsOf(env, row);
  const recorded = await order.recordInvoice({
    reference: row.reference,
    issuedAt: row.issuedAt,
    mailedAt,
    // Invoices stored before versions: the order version of their recording applies.
    version: row.orderVersion ?? 0,
    totals: row.totals,
    documents: documentInfo(documents),
    ...(await inlineUbl(env, row)),
  });
  if (!recorded.ok) throw refused(orderReference, recorded);
  return { issued: true, reference: row.reference, issuedAt: row.issuedAt, mailedAt };
}

/** The credit note for the money the order's history entry `key` moved out of its invoice. */
export async function issueCreditNote(
  env: Env,
  orderReference: string,
  key: number,
  deps: IssueDeps = {},
): Promise<IssueOutcome> {
  const now = await clockOf(env, deps);
  const db = drizzle(env.DB);
  const order = env.ORDERS.getByName(orderReference);
  let row = await findDocument(db, "credit-note", orderReference, key);
  // The content is the money entry's (fixed), so a redelivery computes the same lines again.
  const source = await order.creditNoteSource(key);
  if (!source.ok)
    throw new Error(
      `order ${orderReference} has no credit note ${key}: ${source.code} ${source.message}`,
    );
  const view = checked(source.order, orderReference);
  if (!row) {
    const config = invoicingConfig(env);
    const invoice = view.invoice;
    if (!invoice) throw new Error(`order ${orderReference} has no invoice to credit`);
    row = await create(env, db, {
      type: "credit-note",
      view,
      billed: source.credit,
      config,
      version: key,
      numberKey: `${orderReference}#${key}`,
      issuedAt: now().toISOString(),
      prepaid: false,
      invoice: { reference: invoice.reference, issuedAt: invoice.issuedAt },
    });
  }
  const mailedAt = await mailOnce(env, db, row, deps, now);
  const documents = await documentsOf(env, row);
  const content = contentOf(view, source.credit);
  const recorded = await order.recordCreditNote({
    key,
    reference: row.reference,
    invoiceReference: row.invoiceReference ?? "",
    issuedAt: row.issuedAt,
    mailedAt,
    totals: row.totals,
    items: content.lines.map((l) => ({
      lineId: l.lineId,
      sku: l.sku,
      quantity: l.quantity,
      amount: l.amount,
      netAmount: l.net,
    })),
    shipping: content.charges.map((c) => ({
      shipmentId: c.shipmentId,
      taxCategory: c.taxCategory,
      taxRate: c.taxRate,
      amount: c.amount,
      netAmount: c.net,
    })),
    documents: documentInfo(documents),
    ...(await inlineUbl(env, row)),
  });
  if (!recorded.ok) throw refused(orderReference, recorded);
  return { issued: true, reference: row.reference, issuedAt: row.issuedAt, mailedAt };
}

interface Draft {
  type: DocumentType;
  view: OrderView;
  billed: Billed;
  config: InvoicingConfig;
  /** The order version the document answers to (a credit note: its money entry). */
  version: number;
  /** The number's key in its series. */
  numberKey: string;
  issuedAt: string;
  prepaid: boolean;
  invoice?: { reference: string; issuedAt: string };
}

/** Renders, numbers, stores (R2, then D1) one document; returns the row that won. */
async function create(env: Env, db: Db, draft: Draft): Promise<DocumentRow> {
  const { view, config, type } = draft;
  const content = contentOf(view, draft.billed);
  const facts = (reference: string, issuedAt: string): DocumentFacts => ({
    type,
    reference,
    issuedAt,
    order: view,
    content,
    seller: config.seller,
    paymentMeans: paymentMeansOf(config.paymentMeans, view.paymentMethod),
    profile: config.profile,
    prepaid: draft.prepaid,
    invoice: draft.invoice,
    deliveredAt: shippedAt(view, draft.billed),
  });
  // Rendered with a slot for the number first: a configuration the documents cannot meet
  // (a seller without the VAT id a category needs ...) fails here, before a number is taken.
  const slot = `document-number-${crypto.randomUUID()}`;
  const render = (issuedAt: string) => {
    const f = facts(slot, issuedAt);
    return { html: htmlDocument(f), ubl: ublDocument(f) };
  };
  let drafts = render(draft.issuedAt);

  const { number } = await numbers(env).allocate(type, draft.numberKey);
  const reference = `${type === "invoice" ? config.invoicePrefix : config.creditNotePrefix}${number}`;
  const fill = (docs: { html: string; ubl: string }) => ({
    html: docs.html.replaceAll(slot, escapeHtml(reference)),
    ubl: docs.ubl.replaceAll(slot, escapeXml(reference)),
  });
  const stored = await storeDocuments(
    env.INVOICE_DOCUMENTS,
    { reference, version: draft.version, orderReference: view.reference, issuedAt: draft.issuedAt },
    (issuedAt) => {
      if (issuedAt !== draft.issuedAt) drafts = render(issuedAt);
      return fill(drafts);
    },
  );
  const totals = {
    ...content.totals,
    taxByRate: content.breakdown.map(({ exemption: _exemption, ...b }) => b),
  };
  // Two deliveries may race to here: the first insert wins and the other reads it back.
  await db
    .insert(schema.invoices)
    .values({
      reference,
      type,
      number,
      orderReference: view.reference,
      invoiceReference: draft.invoice?.reference ?? null,
      orderVersion: draft.version,
      customerReference: view.customerReference,
      customerEmail: view.customer.email,
      issuedAt: stored.issuedAt,
      currency: view.currency,
      totals,
      html: null,
      documentKey: null,
      documentBytes: null,
      documents: stored.documents,
      templateVersion: TEMPLATE_VERSION,
      mailedAt: null,
    })
    .onConflictDoNothing();
  const row = await findDocument(
    db,
    type,
    view.reference,
    type === "invoice" ? undefined : draft.version,
  );
  if (!row)
    throw new Error(`${reference} for order ${view.reference} was not stored (number taken?)`);
  return row;
}

/** Mails the document unless it was mailed; returns when it was. */
async function mailOnce(
  env: Env,
  db: Db,
  row: DocumentRow,
  deps: IssueDeps,
  now: () => Date,
): Promise<string> {
  if (row.mailedAt !== null) return row.mailedAt;
  const transport = deps.transport ?? mailTransportFromEnv(env);
  // The document number as the key: the provider (or capture store) drops a repeat.
  await transport.send(await mailOf(env, row, row.reference));
  return markMailed(db, row.reference, now().toISOString(), "first");
}

async function mailOf(env: Env, row: DocumentRow, idempotencyKey: string) {
  const documents = await documentsOf(env, row);
  const attachments = await Promise.all(
    documents.map(async (d) => ({
      filename: fileName(row.reference, d.format),
      contentType: d.contentType,
      content: (await documentContent(env, row, d.format)) ?? "",
      ...(d.key ? { storageKey: d.key } : {}),
    })),
  );
  const grandTotal = row.totals.grandTotal;
  return documentMail(
    {
      type: row.type,
      reference: row.reference,
      orderReference: row.orderReference,
      invoiceReference: row.invoiceReference,
      customerEmail: row.customerEmail,
      currency: row.currency,
      grandTotal: typeof grandTotal === "number" ? grandTotal : null,
      attachments,
    },
    parseBcc(env.INVOICE_BCC),
    idempotencyKey,
  );
}

/** Mails a stored invoice or credit note again (fresh idempotency key); `mailed_at` moves to now. */
export async function resendDocument(
  env: Env,
  reference: string,
  deps: IssueDeps = {},
): Promise<Result<{ reference: string; orderReference: string; mailedAt: string }>> {
  const now = (await clockOf(env, deps))();
  const db = drizzle(env.DB);
  const row = await findByReference(db, reference);
  if (!row) return fail("NOT_FOUND", `invoice ${reference} does not exist`);
  const transport = deps.transport ?? mailTransportFromEnv(env);
  await transport.send(await mailOf(env, row, `${reference}:resend:${crypto.randomUUID()}`));
  const mailedAt = await markMailed(db, reference, now.toISOString(), "resend");
  return { ok: true, reference, orderReference: row.orderReference, mailedAt };
}

/** The UBL for the ERP's event, when it is small enough to travel inline. */
async function inlineUbl(env: Env, row: DocumentRow): Promise<{ ubl?: string }> {
  const ubl = row.documents?.find((d) => d.format === "ubl");
  if (!ubl || ubl.size > INLINE_UBL_LIMIT) return {};
  const content = await documentContent(env, row, "ubl");
  return content === null ? {} : { ubl: content };
}

function checked(view: OrderView, orderReference: string): OrderView {
  if (view.reference !== orderReference)
    throw new Error(`order ${orderReference} answered for ${view.reference}`);
  return view;
}

const refused = (orderReference: string, r: { code: string; message: string }) =>
  new Error(`order ${orderReference} refused the report: ${r.code} ${r.message}`);

/**
 * Whether the billed items have been paid: none of them waits in a state that accepts `pay`
 * (a process without a payment step has nothing to wait for).
 */
function paid(view: OrderView): boolean {
  const process = getProcess(view.process);
  if (!process) return false;
  const states = process.machine.root.states;
  return view.items.every(
    (item) => statusOf(item.flags) !== "open" || !states[item.state]?.on?.pay,
  );
}

/** When the covered goods shipped (BT-72): the earliest a covered item entered a shipped state. */
function shippedAt(view: OrderView, billed: Billed): string | undefined {
  const lines = new Set(billed.lines.map((l) => l.lineId));
  const times = view.items
    .filter((i) => lines.has(i.lineId) && i.flags.includes("shipped"))
    .map((i) => i.stateSince)
    .sort();
  return times[0];
}
