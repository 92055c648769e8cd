import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import * as schema from "../db/schema";
import type { Result } from "../domain/result";
import { fail } from "../domain/result";
import type { InvoiceTotals } from "../engine/commands";
import { type Db, type MailTransport, mailTransportFromEnv, parseBcc } from "../mail/transport";
import { parseSeller, renderInvoice, TEMPLATE_VERSION } from "./render";

/** The body of a message on the `invoices` queue. */
export const invoiceJob = z.object({ orderReference: z.string().min(1).max(64) });
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

/** Seconds before the next attempt: 10 s, 20 s, 40 s ... capped at 10 minutes. */
export const backoffSeconds = (attempts: number) => Math.min(2 ** Math.max(1, attempts) * 5, 600);

const subjectFor = (reference: string) => `Invoice: ${reference}`;

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
    [...byOrder].map(([orderReference, messages]) => settle(env, orderReference, messages, deps)),
  );
}

async function settle(
  env: Env,
  orderReference: string,
  messages: Message<unknown>[],
  deps: InvoiceDeps,
) {
  try {
    const issued = await issueInvoice(env, orderReference, deps);
    for (const message of messages) message.ack();
    log("info", "invoice issued", { orderReference, ...issued });
  } catch (error) {
    for (const message of messages) {
      const delaySeconds = backoffSeconds(message.attempts);
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
  const now = deps.now ?? (() => new Date());
  const db = drizzle(env.DB, { schema });
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
    totals: invoice.totals as InvoiceTotals,
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
  // The order first: an order that cannot be read must not consume a number.
  const source = await order.invoiceSource();
  if (!source.ok)
    throw new Error(
      `order ${orderReference} has no invoice source: ${source.code} ${source.message}`,
    );
  const view = source.order;
  if (view.reference !== orderReference)
    throw new Error(`order ${orderReference} answered for ${view.reference}`);

  const { number } = await numbers(env).allocate(orderReference);
  const reference = `${env.INVOICE_PREFIX}${number}`;
  const issuedAt = now().toISOString();
  const { html, totals } = renderInvoice({
    order: view,
    reference,
    issuedAt,
    seller: parseSeller(env.SELLER),
  });
  // Two deliveries may race to here with the same number: the first insert wins, the other
  // reads the winner back.
  await db
    .insert(schema.invoices)
    .values({
      reference,
      number,
      orderReference,
      customerReference: view.customerReference,
      customerEmail: view.customer.email,
      issuedAt,
      currency: view.currency,
      totals: { ...totals },
      html,
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

const findByOrder = (db: Db, orderReference: string) =>
  db.select().from(schema.invoices).where(eq(schema.invoices.orderReference, orderReference)).get();

async function sendInvoiceMail(
  env: Env,
  transport: MailTransport,
  invoice: InvoiceRow,
  idempotencyKey: string,
) {
  await transport.send({
    to: invoice.customerEmail,
    bcc: parseBcc(env.INVOICE_BCC),
    subject: subjectFor(invoice.reference),
    html: invoice.html,
    idempotencyKey,
  });
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
  const now = (deps.now ?? (() => new Date()))();
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
