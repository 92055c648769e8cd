import { and, eq, isNull, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { erpWebhookReceipts } from "../db/schema";
import { type ErpResponse, erpResponse } from "../domain/erp";

/** How long a `webhook-id` answers replays; senders retry for days at most (Standard Webhooks). */
export const RECEIPT_TTL_MS = 7 * 24 * 60 * 60_000;

export interface Receipt {
  bodyHash: string;
  /** The order the webhook was resolved to, once known. */
  orderReference: string | null;
  /** The first answer; null while the first request is being processed (or died doing so). */
  answer: ErpResponse | null;
}

/**
 * Inbound ERP webhooks by `webhook-id`, in D1 (one place for the whole service, strongly
 * consistent): the first request claims the id, records the order it resolved to before
 * touching it, and its answer when it has one. Answers of 5xx are not recorded: a retry is
 * processed anew (and the order object's own record, keyed by the same id, keeps that safe).
 */
export class Receipts {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /**
   * The receipt of `id`, claiming it for this request when there is none; with `answer` (one
   * decided from the body alone) the claim records it at once, in the same write.
   */
  async claim(id: string, bodyHash: string, now: Date, decided?: ErpResponse): Promise<Receipt> {
    const [row] = await this.db
      .insert(erpWebhookReceipts)
      .values({
        id,
        bodyHash,
        receivedAt: now.toISOString(),
        ...(decided ? { status: decided.status, response: decided.body } : {}),
      })
      .onConflictDoUpdate({
        // A no-op update, so the row comes back whoever wrote it.
        target: erpWebhookReceipts.id,
        set: { id },
      })
      .returning();
    if (!row) throw new Error(`webhook receipt ${id} was neither written nor found`);
    const answer =
      row.status === null || row.response === null
        ? null
        : erpResponse.parse({ status: row.status, body: row.response });
    return { bodyHash: row.bodyHash, orderReference: row.orderReference, answer };
  }

  /** Remembers the order before the order object is asked, so a retry goes to the same one. */
  async resolved(id: string, orderReference: string): Promise<void> {
    await this.db
      .update(erpWebhookReceipts)
      .set({ orderReference })
      .where(and(eq(erpWebhookReceipts.id, id), isNull(erpWebhookReceipts.status)));
  }

  /**
   * Records the answer; if a concurrent request with the same id recorded one first, that one
   * is the answer (returned).
   */
  async answered(id: string, answer: ErpResponse): Promise<ErpResponse> {
    const updated = await this.db
      .update(erpWebhookReceipts)
      .set({ status: answer.status, response: answer.body })
      .where(and(eq(erpWebhookReceipts.id, id), isNull(erpWebhookReceipts.status)))
      .returning({ id: erpWebhookReceipts.id });
    if (updated.length > 0) return answer;
    const [row] = await this.db
      .select()
      .from(erpWebhookReceipts)
      .where(eq(erpWebhookReceipts.id, id));
    return row?.status && row.response
      ? erpResponse.parse({ status: row.status, body: row.response })
      : answer;
  }

  /** Forgets receipts past their time (the scheduled sweep). */
  async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - RECEIPT_TTL_MS).toISOString();
    const result = await this.db
      .delete(erpWebhookReceipts)
      .where(lt(erpWebhookReceipts.receivedAt, cutoff));
    return result.meta.changes;
  }
}
