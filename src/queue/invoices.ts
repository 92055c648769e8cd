import { drizzle } from "drizzle-orm/d1";
import { parseDuration } from "../domain/duration";
import { type InvoiceJob, invoiceJob } from "../domain/invoices";
import { backoffDelay, type RetryPolicy } from "../domain/retry";
import { ConfigurationError } from "../invoices/config";
import {
  type IssueDeps,
  type IssueOutcome,
  issueCreditNote,
  issueInvoice,
} from "../invoices/issue";
import { storeDeadLetter } from "./dead-letters";

// The `invoices` queue's consumer: a thin adapter that parses jobs and hands them to the
// invoicing (src/invoices/), then acks, retries with backoff, or dead-letters them.

export { type InvoiceJob, invoiceJob };
export type InvoiceDeps = IssueDeps;

/**
 * INVOICE_RETRY_DELAY and INVOICE_RETRY_MAX_DELAY as wrangler.toml sets them; the attempts are
 * the queue's (`max_retries`), after which a job lands in the dead letters.
 */
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
  Math.ceil(backoffDelay(policy, attempts) / 1000);

/** One job: the order's invoice, or one of its credit notes. */
const jobKey = (job: InvoiceJob) =>
  job.creditNote === undefined ? job.orderReference : `${job.orderReference}#${job.creditNote}`;

/**
 * Consumes the `invoices` queue. Each message is acked or retried on its own: one bad order
 * never holds back the others of the batch. Retries back off and, after `max_retries`, land
 * in the dead-letter queue with the payload intact. A configuration error (SELLER ...) cannot
 * heal by waiting: the job goes to the dead letters at once, with the error, and holds no number.
 */
export async function handleInvoiceBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: InvoiceDeps = {},
): Promise<void> {
  const policy = retryPolicyFromEnv(env);
  // Duplicates of one job in a batch share one attempt: no point racing against ourselves.
  const byJob = new Map<string, { job: InvoiceJob; messages: Message<unknown>[] }>();
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
    const key = jobKey(job.data);
    const group = byJob.get(key);
    if (group) group.messages.push(message);
    else byJob.set(key, { job: job.data, messages: [message] });
  }
  await Promise.all(
    [...byJob.values()].map(({ job, messages }) => settle(env, job, messages, deps, policy)),
  );
}

async function settle(
  env: Env,
  job: InvoiceJob,
  messages: Message<unknown>[],
  deps: InvoiceDeps,
  policy: RetryPolicy,
) {
  try {
    const outcome: IssueOutcome =
      job.creditNote === undefined
        ? await issueInvoice(env, job.orderReference, deps)
        : await issueCreditNote(env, job.orderReference, job.creditNote, deps);
    for (const message of messages) message.ack();
    log("info", outcome.issued ? "document issued" : "no invoice issued", { ...job, ...outcome });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (error instanceof ConfigurationError) {
      await deadLetterNow(env, messages, text);
      return;
    }
    for (const message of messages) {
      const delaySeconds = backoffSeconds(message.attempts, policy);
      log("error", "invoice job failed; retrying", {
        messageId: message.id,
        ...job,
        attempts: message.attempts,
        delaySeconds,
        error: text,
      });
      message.retry({ delaySeconds });
    }
  }
}

/** Keeps the messages as dead letters with the error, and acks them (retried if that fails). */
async function deadLetterNow(env: Env, messages: Message<unknown>[], error: string) {
  const db = drizzle(env.DB);
  for (const message of messages) {
    try {
      await storeDeadLetter(db, {
        messageId: message.id,
        queue: "invoices",
        body: message.body,
        attempts: message.attempts,
        receivedAt: new Date().toISOString(),
        lastError: error,
      });
      log("error", "invoice job dead-lettered: configuration error", {
        messageId: message.id,
        error,
      });
      message.ack();
    } catch (stored) {
      log("error", "dead letter could not be stored; retrying", {
        messageId: message.id,
        error: stored instanceof Error ? stored.message : String(stored),
      });
      message.retry({ delaySeconds: 0 });
    }
  }
}

function log(level: "info" | "error", message: string, data: Record<string, unknown>) {
  const line = JSON.stringify({ level, message, ...data });
  if (level === "error") console.error(line);
  else console.log(line);
}
