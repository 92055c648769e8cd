import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import type { Db } from "../db/schema";
import * as schema from "../db/schema";
import { parseDuration } from "../domain/duration";
import type { Result } from "../domain/result";
import { fail } from "../domain/result";
import { wellFormed } from "../domain/text";
import { serviceClock } from "../durable/service-clock";
import type { InvoiceTotalsJson } from "../engine/commands";
import { escapeHtml } from "../mail/html";
import { INVOICE_CONTENT_TYPE, invoiceMail } from "../mail/invoice";
import { type MailTransport, mailTransportFromEnv, parseBcc } from "../mail/transport";
import { type InvoiceTotals, parseSeller, renderInvoice, TEMPLATE_VERSION } from "./render";

/** The body of a message on the `invoices` queue. */
export const invoiceJob = z.object({ orderReference: wellFormed().min(1).max(64) });
export type InvoiceJob = z.infer<typeof invoiceJob>;

/** What the order records once its invoice exists (and, when mailed, since when). */
export interface IssuedInvoice {
  reference: string;
  issuedAt: string;
  mailedAt: string | null;
}

export interface InvoiceDeps {
  transport?: MailTransport;
  now?: () => Date;
}

type InvoiceRow = typeof schema.invoices.$inferSelect;

type OrderStub = ReturnType<Env["ORDERS"]["getByName"]>;

/** The one sequence of invoice numbers. */
const numbers = (env: Env) => env.INVOICE_NUMBERS.getByName("global");

export interface RetryPolicy {
  /** Delay before the first retry; each further retry doubles it. */
  firstMs: number;
  /** The longest delay. */
  maxMs: number;
}

/** INVOICE_RETRY_DELAY and INVOICE_RETRY_MAX_DELAY as wrangler.toml sets them. */
export const defaultRetryPolicy: RetryPolicy = {
  firstMs: parseDuration("10 seconds"),
  maxMs: parseDuration("10 minutes"),
};

/** The retry policy from INVOICE_RETRY_DELAY and INVOICE_RETRY_MAX_DELAY; a broken one throws. */
export function retryPolicyFromEnv(env: Partial<Env>): RetryPolicy {
  const { INVOICE_RETRY_DELAY: first, INVOICE_RETRY_MAX_DELAY: max } = env;
  return {
    firstMs: first ? parseDuration(first) : defaultRetryPolicy.firstMs,
    maxMs: max ? parseDuration(max) : defaultRetryPolicy.maxMs,
  };
}

/** Whole seconds before the next attempt: 10 s, 20 s, 40 s ... capped at 10 minutes by default. */
export const backoffSeconds = (attempts: number, policy: RetryPolicy = defaultRetryPolicy) =>
  Math.ceil(Math.min(policy.firstMs * 2 ** (Math.max(1, attempts) - 1), policy.maxMs) / 1000);

/** Where an invoice's document is kept in INVOICE_DOCUMENTS. */
export const documentKeyOf = (reference: string) => `invoices/${reference}.html`;

/** The service's clock as dates (issue dates, mailing times). */
const dates = (clock: () => number) => () => new Date(clock());

/**
 * Consumes the `invoices` queue. Each message is acked or retried on its own: one bad order
 * never holds back the others of the batch. Retries back off and, after `max_retries`, land
 * in the dead-letter queue with the payload intact.
 */
export async function handleInvoiceBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: InvoiceDeps = {},
): Promise<void> {
  const policy = retryPolicyFromEnv(env);
  // Duplicates of one order in a batch share one attempt: no point racing against ourselves.
  const byOrder = new Map<string, Message<unknown>[]>();
  for (const message of batch.messages) {
    const job = invoiceJob.safeParse(message.body);
    if (!job.success) {
      // Retried at once, not acked: it can never succeed, and it must reach the dead-letter
      // queue (where its payload is kept) without waiting through the backoff.
      log("error", "invoice job is malformed", {
        messageId: message.id,
        attempts: message.attempts,
        issues: job.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`),
      });
      message.retry({ delaySeconds: 0 });
      continue;
    }
    const group = byOrder.get(job.data.orderReference);
    if (group) group.push(message);
    else byOrder.set(job.data.orderReference, [message]);
  }
  await Promise.all(
    [...byOrder].map(([orderReference, messages]) =>
      settle(env, orderReference, messages, deps, policy),
    ),
  );
}

async function settle(
  env: Env,
  orderReference: string,
  messages: Message<unknown>[],
  deps: InvoiceDeps,
  policy: RetryPolicy,
) {
  try {
    const issued = await issueInvoice(env, orderReference, deps);
    for (const message of messages) message.ack();
    log("info", "invoice issued", { orderReference, ...issued });
  } catch (error) {
    for (const message of messages) {
      const delaySeconds = backoffSeconds(message.attempts, policy);
      log("error", "invoice job failed; retrying", {
        messageId: message.id,
        orderReference,
        attempts: message.attempts,
        delaySeconds,
        error: error instanceof Error ? error.message : String(error),
      });
      message.retry({ delaySeconds });
    }
  }
}

/**
 * Number, render, store, mail, report: every step is safe to repeat, so a redelivered or
 * concurrently delivered job converges on one invoice and one mail.
 */
export async function issueInvoice(
  env: Env,
  orderReference: string,
  deps: InvoiceDeps = {},
): Promise<IssuedInvoice> {
  const now = deps.now ?? dates(await serviceClock(env));
  const db = drizzle(env.DB);
  const order = env.ORDERS.getByName(orderReference);

  // Stored invoices are immutable: a redelivery uses the row as it is, never re-renders.
  let invoice = await findByOrder(db, orderReference);
  if (!invoice) invoice = await createInvoice(env, db, order, orderReference, now);

  let mailedAt = invoice.mailedAt;
  if (mailedAt === null) {
    const transport = deps.transport ?? mailTransportFromEnv(env);
    // The invoice reference as the key: the provider (or capture store) drops a repeat.
    await sendInvoiceMail(env, transport, invoice, invoice.reference);
    mailedAt = await markMailed(db, invoice.reference, now().toISOString(), "first");
  }

  const issued = { reference: invoice.reference, issuedAt: invoice.issuedAt, mailedAt };
  // The totals go to the ERP with `invoice.issued`.
  const recorded = await order.recordInvoice({
    ...issued,
    totals: invoice.totals as InvoiceTotalsJson,
  });
  if (!recorded.ok)
    throw new Error(
      `order ${orderReference} refused the invoice: ${recorded.code} ${recorded.message}`,
    );
  return issued;
}

async function createInvoice(
  env: Env,
  db: Db,
  order: OrderStub,
  orderReference: string,
  now: () => Date,
): Promise<InvoiceRow> {
  // Every step that can fail here comes before the number: a job that fails at them holds no
  // number, so a dead-lettered job leaves no gap. The order first, then SELLER, then the
  // document, rendered with a slot for the number that only allocation can fill.
  const source = await order.invoiceSource();
  if (!source.ok)
    throw new Error(
      `order ${orderReference} has no invoice source: ${source.code} ${source.message}`,
    );
  const view = source.order;
  if (view.reference !== orderReference)
    throw new Error(`order ${orderReference} answered for ${view.reference}`);
  const seller = parseSeller(env.SELLER);
  const issuedAt = now().toISOString();
  // A random slot: nothing a customer wrote can contain it.
  const slot = `invoice-number-${crypto.randomUUID()}`;
  const draft = renderInvoice({ order: view, reference: slot, issuedAt, seller });

  const { number } = await numbers(env).allocate(orderReference);
  const reference = `${env.INVOICE_PREFIX}${number}`;
  const document = await storeDocument(env.INVOICE_DOCUMENTS, {
    key: documentKeyOf(reference),
    html: draft.html.replaceAll(slot, escapeHtml(reference)),
    orderReference,
    issuedAt,
    totals: draft.totals,
  });
  // Two deliveries may race to here: both write the stored document's facts, the first insert
  // wins and the other reads it back.
  await db
    .insert(schema.invoices)
    .values({
      reference,
      number,
      orderReference,
      customerReference: view.customerReference,
      customerEmail: view.customer.email,
      issuedAt: document.issuedAt,
      currency: view.currency,
      totals: { ...document.totals },
      html: null,
      documentKey: document.key,
      documentBytes: document.bytes,
      templateVersion: TEMPLATE_VERSION,
      mailedAt: null,
    })
    .onConflictDoNothing();
  const stored = await findByOrder(db, orderReference);
  if (!stored)
    throw new Error(
      `invoice ${reference} for order ${orderReference} was not stored (number taken?)`,
    );
  return stored;
}

interface StoredDocument {
  key: string;
  issuedAt: string;
  totals: InvoiceTotals;
  bytes: number;
}

/**
 * Stores the document unless this invoice has one already (documents are immutable), and
 * returns the facts of the one stored: a racing delivery's, if it came first. The facts travel
 * in the object's metadata, so the D1 row always describes the document it points to.
 */
async function storeDocument(
  bucket: R2Bucket,
  document: {
    key: string;
    html: string;
    orderReference: string;
    issuedAt: string;
    totals: InvoiceTotals;
  },
): Promise<StoredDocument> {
  const { key, issuedAt, totals } = document;
  const put = await bucket.put(key, document.html, {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: INVOICE_CONTENT_TYPE },
    customMetadata: {
      orderReference: document.orderReference,
      issuedAt,
      totals: JSON.stringify(totals),
    },
  });
  if (put) return { key, issuedAt, totals, bytes: put.size };
  const earlier = await bucket.head(key);
  const facts = earlier?.customMetadata;
  if (!earlier || !facts?.issuedAt || !facts.totals)
    throw new Error(`invoice document ${key} exists but cannot be read back`);
  return {
    key,
    issuedAt: facts.issuedAt,
    totals: JSON.parse(facts.totals) as InvoiceTotals,
    bytes: earlier.size,
  };
}

/** An invoice's document: from R2, or from D1 for invoices issued before documents moved there. */
export async function invoiceDocument(
  env: Pick<Env, "INVOICE_DOCUMENTS">,
  invoice: Pick<InvoiceRow, "reference" | "documentKey" | "html">,
): Promise<string> {
  if (invoice.documentKey === null) {
    if (invoice.html === null) throw new Error(`invoice ${invoice.reference} has no document`);
    return invoice.html;
  }
  const object = await env.INVOICE_DOCUMENTS.get(invoice.documentKey);
  if (!object)
    throw new Error(`invoice ${invoice.reference}: document ${invoice.documentKey} is missing`);
  return object.text();
}

const findByOrder = (db: Db, orderReference: string) =>
  db.select().from(schema.invoices).where(eq(schema.invoices.orderReference, orderReference)).get();

async function sendInvoiceMail(
  env: Env,
  transport: MailTransport,
  invoice: InvoiceRow,
  idempotencyKey: string,
) {
  const grandTotal = invoice.totals.grandTotal;
  const mail = invoiceMail(
    {
      reference: invoice.reference,
      orderReference: invoice.orderReference,
      customerEmail: invoice.customerEmail,
      currency: invoice.currency,
      grandTotal: typeof grandTotal === "number" ? grandTotal : null,
      document: {
        content: await invoiceDocument(env, invoice),
        ...(invoice.documentKey ? { storageKey: invoice.documentKey } : {}),
      },
    },
    parseBcc(env.INVOICE_BCC),
    idempotencyKey,
  );
  await transport.send(mail);
}

/**
 * Sets `mailed_at` and returns the stored value. The first mailing only fills an empty
 * column, so of two racing deliveries the first writer's time stays; a resend overwrites it.
 */
async function markMailed(
  db: Db,
  reference: string,
  at: string,
  mode: "first" | "resend",
): Promise<string> {
  const byReference = eq(schema.invoices.reference, reference);
  await db
    .update(schema.invoices)
    .set({ mailedAt: at })
    .where(mode === "first" ? and(byReference, isNull(schema.invoices.mailedAt)) : byReference);
  const row = await db
    .select({ mailedAt: schema.invoices.mailedAt })
    .from(schema.invoices)
    .where(byReference)
    .get();
  return row?.mailedAt ?? at;
}

/** Mails a stored invoice again (fresh idempotency key) and moves `mailed_at` to now. */
export async function resendInvoice(
  env: Env,
  db: Db,
  reference: string,
  deps: InvoiceDeps = {},
): Promise<Result<{ reference: string; orderReference: string; mailedAt: string }>> {
  const now = (deps.now ?? dates(await serviceClock(env)))();
  const invoice = await db
    .select()
    .from(schema.invoices)
    .where(eq(schema.invoices.reference, reference))
    .get();
  if (!invoice) return fail("NOT_FOUND", `invoice ${reference} does not exist`);
  const transport = deps.transport ?? mailTransportFromEnv(env);
  const at = now.toISOString();
  await sendInvoiceMail(env, transport, invoice, `${reference}:resend:${crypto.randomUUID()}`);
  const mailedAt = await markMailed(db, reference, at, "resend");
  return { ok: true, reference, orderReference: invoice.orderReference, mailedAt };
}

function log(level: "info" | "error", message: string, data: Record<string, unknown>) {
  const line = JSON.stringify({ level, message, ...data });
  if (level === "error") console.error(line);
  else console.log(line);
}
