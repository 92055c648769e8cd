import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import type { OrderView } from "../../src/domain/order-view";
import { handleInvoiceBatch, type InvoiceDeps } from "../../src/queue/invoices";
import { clientAs, orderInput } from "../helpers";

export const db = drizzle(env.DB, { schema });

/** A placed order on `no-payment@1`: confirmed at once, so it can be invoiced. */
export async function place(
  overrides: Partial<PlaceOrderInput> = {},
  lines = 2,
): Promise<OrderView> {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(orderInput({ paymentMethod: "none", ...overrides }, lines));
}

export async function readOrder(reference: string): Promise<OrderView> {
  return (await clientAs("backoffice")).orders.get.query({ reference });
}

export const job = (orderReference: string, attempts = 1) => ({
  body: { orderReference },
  attempts,
});

/** The order's invoice rows (credit notes not included). */
export const invoicesOf = (orderReference: string) =>
  db
    .select()
    .from(schema.invoices)
    .where(
      and(eq(schema.invoices.orderReference, orderReference), eq(schema.invoices.type, "invoice")),
    );

/** The invoice mails captured for an invoice reference. */
export const mailsFor = (reference: string) =>
  db
    .select()
    .from(schema.mails)
    .where(eq(schema.mails.subject, `Invoice: ${reference}`));

export const numbers = () => env.INVOICE_NUMBERS.getByName("global");

/** The invoice number the sequence holds for an order, read from its storage (never allocates). */
export const allocatedNumber = (orderReference: string, series = "invoice") =>
  runInDurableObject(numbers(), (_o, state) => {
    const row = state.storage.sql
      .exec<{ number: number }>(
        "SELECT number FROM numbers WHERE series = ? AND key = ?",
        series,
        orderReference,
      )
      .toArray()[0];
    return row ? { number: row.number } : null;
  });

/** The highest invoice number issued so far: new invoices must continue from it without a gap. */
export async function highestNumber(): Promise<number> {
  const rows = await db
    .select({ number: schema.invoices.number })
    .from(schema.invoices)
    .where(eq(schema.invoices.type, "invoice"));
  return Math.max(0, ...rows.map((r) => r.number));
}

let messageNo = 0;

/**
 * Runs one batch through the consumer and returns the queue's verdict per message. The
 * plugin's queue result does not report a retry's delay, so each message is handed over
 * behind a thin decorator that notes the options and forwards every call to the real message.
 */
export async function consume(
  bodies: { body: unknown; attempts?: number }[],
  options: { env?: Env; deps?: InvoiceDeps } = {},
) {
  const messages = bodies.map((b) => ({
    id: `msg-${++messageNo}-${Math.random()}`,
    timestamp: new Date(),
    attempts: b.attempts ?? 1,
    body: b.body,
  }));
  const batch = createMessageBatch("invoices", messages);
  const delays = new Map<string, number | undefined>();
  const observed: MessageBatch<unknown> = {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: batch.messages.map((m) => ({
      id: m.id,
      timestamp: m.timestamp,
      body: m.body,
      attempts: m.attempts,
      ack: () => m.ack(),
      retry: (retryOptions?: QueueRetryOptions) => {
        delays.set(m.id, retryOptions?.delaySeconds);
        m.retry(retryOptions);
      },
    })),
    ackAll: () => batch.ackAll(),
    retryAll: (retryOptions?: QueueRetryOptions) => batch.retryAll(retryOptions),
  };
  const ctx = createExecutionContext();
  await handleInvoiceBatch(observed, options.env ?? env, options.deps);
  const result = await getQueueResult(batch, ctx);
  const ids = messages.map((m) => m.id);
  return {
    acked: ids.map((id) => result.explicitAcks.includes(id)),
    retried: ids.map((id) =>
      result.retryMessages.some((r) => r.msgId === id)
        ? { delaySeconds: delays.get(id) }
        : undefined,
    ),
    ackAll: result.ackAll,
    retryBatch: result.retryBatch.retry,
  };
}

/** A stored document of an invoice row, from R2 (the HTML by default). */
export async function documentOf(
  invoice: { documents: { format: string; key: string }[] | null } | undefined,
  format: "html" | "ubl" = "html",
) {
  const key = invoice?.documents?.find((d) => d.format === format)?.key;
  const object = key ? await env.INVOICE_DOCUMENTS.get(key) : null;
  return object ? object.text() : null;
}
