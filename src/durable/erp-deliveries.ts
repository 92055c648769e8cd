import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { type DeliveryView, deliveryPayload, webhookId } from "../domain/deliveries";
import { parseDuration } from "../domain/duration";
import { jsonObject } from "../domain/json";
import type { OrderView } from "../domain/order-view";
import { type RetryPolicy, retryingFor } from "../domain/retry";
import type { StoredDelivery } from "./order-store";

/**
 * ERP deliveries: each order event goes to ERP_EXPORT_URL as one delivery, signed the Standard
 * Webhooks way, one at a time in the order's sequence. Here: their configuration and retry
 * policy, the body of a delivery, and the POST; the outbox (outbox.ts) decides when.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Retries back off up to an hour between attempts, and go on for at least a day (by default). */
export const DELIVERY_MAX_DELAY_MS = HOUR;
export const DELIVERY_GIVE_UP_AFTER_MS = 24 * HOUR;

/** Where and how order events go: from `ERP_EXPORT_*` (see the README's configuration table). */
export interface DeliveryConfig {
  /** Empty: deliveries wait as `pending` until a URL is set. */
  url: string;
  /** `whsec_…` secrets, space-separated in the variable: every one signs (rotation). */
  secrets: string[];
  timeoutMs: number;
  policy: RetryPolicy;
}

/**
 * The attempts a delivery gets: exponential from `firstMs`, capped at an hour, until the
 * delays add up to `giveUpMs` (a day by default; `ERP_EXPORT_GIVE_UP_AFTER`). With the
 * defaults (30 s, a day): 31 attempts over 24 h 3.5 min.
 */
export const deliveryRetryPolicy = (firstMs: number, giveUpMs = DELIVERY_GIVE_UP_AFTER_MS) =>
  retryingFor(giveUpMs, { firstMs, maxMs: Math.min(DELIVERY_MAX_DELAY_MS, giveUpMs) });

export function deliveryConfig(env: Env, url: string): DeliveryConfig {
  return {
    url: url.trim(),
    secrets: (env.ERP_EXPORT_SECRET ?? "").split(/\s+/).filter(Boolean),
    timeoutMs: parseDuration(env.ERP_EXPORT_TIMEOUT || "15 seconds"),
    policy: deliveryRetryPolicy(
      parseDuration(env.ERP_EXPORT_RETRY_DELAY || "30 seconds"),
      parseDuration(env.ERP_EXPORT_GIVE_UP_AFTER || "24 hours"),
    ),
  };
}

/** A delivery as operators see it (`exports.list`, `exports.retry`). */
export const toDeliveryView = (orderReference: string, row: StoredDelivery): DeliveryView => ({
  id: webhookId(orderReference, row.sequence),
  orderReference,
  sequence: row.sequence,
  type: row.type,
  status: row.status,
  attempts: row.attempts,
  lastAttemptAt: iso(row.lastAttemptAt),
  lastError: row.lastError,
  nextAttemptAt: row.status === "pending" ? iso(row.nextAt) : null,
  createdAt: new Date(row.createdAt).toISOString(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The JSON body of one delivery. What is large is rendered now, from the order as it is: the
 * view of `order.exported` (up to 11 MB for the largest order, too large for one stored value)
 * and the details of cancelled items (final: they no longer change). `order.version` says which
 * version the view shows; `data.version` is the version the event itself belongs to.
 */
export function renderEvent(
  payload: string,
  meta: { orderReference: string; sequence: number },
  view: () => OrderView,
): string {
  const event = deliveryPayload.parse(JSON.parse(payload));
  const data: Record<string, unknown> = {
    orderReference: meta.orderReference,
    sequence: meta.sequence,
    version: event.version,
    customOrderReference: event.customOrderReference,
  };
  const stored = event.data;
  switch (event.type) {
    case "order.exported":
      Object.assign(data, { itemIds: stored.itemIds ?? [], order: view() });
      break;
    case "order.items.cancelled": {
      const ids = new Set(z.array(z.string()).parse(stored.itemIds ?? []));
      const items = view()
        .items.filter((item) => ids.has(item.id))
        .map(({ id, sku, quantity, canceledAmount }) => ({ id, sku, quantity, canceledAmount }));
      Object.assign(data, { items });
      break;
    }
    case "invoice.issued": {
      // Stored flat (JSON depth); events stored before e-invoices have no type or documents.
      const { invoice, totals, documents } = stored;
      Object.assign(data, {
        invoice: {
          type: "invoice",
          ...jsonObject.parse(invoice),
          totals,
          documents: documents ?? [],
        },
      });
      break;
    }
    case "credit-note.issued": {
      const { creditNote, ...rest } = stored;
      Object.assign(data, { creditNote: { ...jsonObject.parse(creditNote), ...rest } });
      break;
    }
    default:
      // Other events (order.custom-reference.changed, and those added later) carry their data.
      Object.assign(data, stored);
  }
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data });
}

/**
 * POSTs one event, signed the Standard Webhooks way with every configured secret. Throws when
 * there is no 2xx within the timeout; redirects are not followed (a 3xx is a failure).
 */
export async function sendEvent(config: DeliveryConfig, id: string, body: string): Promise<number> {
  if (config.secrets.length === 0) throw new Error("ERP_EXPORT_SECRET is not set");
  // The timestamp is the wall clock's: receivers check it against theirs (300 s tolerance).
  const sentAt = new Date();
  const signature = config.secrets
    .map((secret) => new Webhook(secret).sign(id, sentAt, body))
    .join(" ");
  let response: Response;
  try {
    response = await fetch(config.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "edge-oms",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
      throw new Error(`no answer within ${config.timeoutMs} ms`);
    throw error;
  }
  // Nobody reads the answer's body; release the connection.
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299)
    throw new Error(`the ERP answered ${response.status}`);
  return response.status;
}
