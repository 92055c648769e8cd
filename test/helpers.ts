import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { mintToken, webhookHeaders } from "../scripts/test-auth.mjs";
import { createOrderClient } from "../src/client";
import type { HistoryView } from "../src/domain/history";
import type { PlaceOrderInput } from "../src/domain/inputs";
import type { HistoryNote } from "../src/domain/notes";
import type { Role } from "../src/domain/principal";
import type { TriggerEvent } from "../src/domain/processes";
import type { OrderObject } from "../src/durable/order-object";
import type { OrderSummaryRow } from "../src/engine/summary";
import worker from "../src/index";
import { orderReferenceFor } from "../src/router/orders";

/** The entries of a history staff read, without the notes (which have no `seq`). */
export const entriesOf = <T extends HistoryView>(history: (T | HistoryNote)[]): T[] =>
  history.filter((h): h is T => h.type !== "note");

// Builds placements without workerd, so Node tests (e2e, browser) share it.
export { orderInput } from "./order-input";

export function tokenFor(role: Role, sub: string, secret = env.JWT_SECRET): Promise<string> {
  return mintToken({ secret, role, sub });
}

/** The typed client of src/client.ts, talking to the worker in-process. */
export async function clientAs(role: Role, sub = `${role}-1`) {
  const token = await tokenFor(role, sub);
  return createOrderClient({
    url: "http://oms.test",
    token,
    fetch: (input, init) => exports.default.fetch(input as string, init),
  });
}

/** A raw tRPC call, for status codes and error bodies. */
export async function call(
  path: string,
  input: unknown,
  options: { token?: string; method?: "GET" | "POST"; env?: Env } = {},
): Promise<{ status: number; body: TrpcBody }> {
  const method = options.method ?? "POST";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const url =
    method === "GET"
      ? `http://oms.test/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `http://oms.test/trpc/${path}`;
  const init = { method, headers, ...(method === "POST" ? { body: JSON.stringify(input) } : {}) };
  // With other vars: the worker's own fetch handler, called with the real bindings and those vars.
  const res = options.env
    ? await worker.fetch(new Request(url, init), options.env, createExecutionContext())
    : await exports.default.fetch(url, init);
  return { status: res.status, body: (await res.json()) as TrpcBody };
}

export interface TrpcBody {
  result?: { data: unknown };
  error?: {
    message: string;
    code: number;
    data: {
      code: string;
      httpStatus: number;
      issues?: { path: (string | number)[]; message: string }[];
      details?: Record<string, unknown>;
      errorId?: string;
      stack?: string;
    };
  };
}

/** A D1 binding that throws while `down` is set: a real wrapper for fault tests, not a mock. */
export function flakyD1(real: D1Database) {
  const state = { down: true };
  const db = new Proxy(real, {
    get(target, prop, receiver) {
      if (state.down && (prop === "prepare" || prop === "batch" || prop === "exec"))
        return () => {
          throw new Error("D1 is unavailable");
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, state };
}

/** Sends events, one after the other, to every item of an order, as the back office. */
export async function triggerAll(reference: string, events: TriggerEvent[]): Promise<void> {
  const backoffice = await clientAs("backoffice");
  for (const event of events)
    await backoffice.orders.trigger.mutate({ reference, event, target: { all: true } });
}

/** The order object's outbox rows, as the back office sees them. */
export async function effectsOf(stub: DurableObjectStub<OrderObject>) {
  const result = await stub.effects();
  if (!result.ok) throw new Error(result.message);
  return result.effects;
}

/**
 * Standard Webhooks headers for a raw body, signed by the `standardwebhooks` package as an ERP's
 * middleware would (not by our code, so a mistake on both sides cannot cancel out).
 */
export function erpHeaders(
  raw: string,
  id: string,
  options: { secret?: string; at?: Date } = {},
): Record<string, string> {
  return webhookHeaders({
    secret: options.secret ?? env.ERP_WEBHOOK_SECRET,
    body: raw,
    id,
    at: options.at,
  });
}

/**
 * A signed ERP webhook request, as an ERP sends it (`id` is its `webhook-id`, the idempotency
 * key). The one place tests sign inbound webhooks.
 */
export function erpRequest(body: unknown, id: string): Request {
  const raw = JSON.stringify(body);
  return new Request("http://oms.test/webhooks/erp", {
    method: "POST",
    headers: erpHeaders(raw, id),
    body: raw,
  });
}

/** Sends a signed ERP webhook to the worker; the status and the JSON answer. */
export async function sendErp(body: unknown, id: string) {
  const res = await exports.default.fetch(erpRequest(body, id));
  return { status: res.status, body: (await res.json()) as ErpAnswer };
}

export interface ErpAnswer {
  ok: boolean;
  order?: { reference: string; version: number; itemStates: Record<string, number> };
  error?: { code: string; message: string; references?: string[] };
}

/**
 * Waits until nothing more happens to the order by itself: its outbox has nothing waiting, an
 * invoice requested is recorded (or recorded as not issued: nothing billable), and every money
 * move after the invoice has its credit note. Reads after it see one settled state.
 */
export async function settled(reference: string): Promise<void> {
  const stub = env.ORDERS.getByName(reference);
  const backoffice = await clientAs("backoffice", "settle");
  await vi.waitFor(
    async () => {
      const waiting = (await effectsOf(stub)).filter((e) => e.nextAttemptAt !== null);
      expect(waiting).toEqual([]);
      const history = await backoffice.orders.history.query({ reference });
      const requests = history.filter((h) => h.event === "generateInvoice" && !h.data?.skipped);
      const issued = history.find((h) => h.type === "invoice-issued");
      const answered = history.filter((h) => h.type === "invoice-not-issued").length;
      if (requests.length > 0) expect(issued !== undefined || answered > 0).toBe(true);
      // Credit notes: one per money move after the version the invoice bills.
      const billed = Number(issued?.data?.version ?? Number.POSITIVE_INFINITY);
      const credited = history.filter(
        (h) =>
          (h.type === "cancellation" || h.type === "refund") && h.data?.credit && h.seq > billed,
      );
      expect(history.filter((h) => h.type === "credit-note-issued")).toHaveLength(credited.length);
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** Moves one order object's clock (its seam) to a fixed moment; `null` gives it the system's. */
export async function setClockOf(reference: string, at: number | null): Promise<void> {
  await runInDurableObject(env.ORDERS.getByName(reference), (o: OrderObject) => {
    o.seam.clock = at === null ? Date.now : () => at;
  });
}

/**
 * Places an order as the checkout `shop` at a chosen moment: the order object's clock is set
 * before the placement reaches it (the reference follows from the caller and its key).
 */
export async function placeAt(at: number, input: PlaceOrderInput) {
  await setClockOf(await orderReferenceFor("shop", input.idempotencyKey), at);
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(input);
}

/** The orders' reserved SKUs in D1 as rows (`order_reserved` keeps them as JSON per order). */
export const ORDER_RESERVED_ROWS = `(SELECT o.order_reference, json_extract(r.value, '$[0]') AS sku,
  json_extract(r.value, '$[1]') AS quantity FROM order_reserved o, json_each(o.skus) r)`;

/** The orders' waiting groups in D1 as rows (`order_waiting_groups` keeps them as JSON per order). */
export const ORDER_WAITING_ROWS = `(SELECT w.order_reference, json_extract(g.value, '$[0]') AS state,
  json_extract(g.value, '$[1]') AS since, json_extract(g.value, '$[2]') AS quantity
  FROM order_waiting_groups w, json_each(w.groups) g)`;

/** An order's summary row as a projection writes it, for tests that project by hand. */
export const summaryRowFor = (
  reference: string,
  version: number,
  overrides: Partial<OrderSummaryRow> = {},
): OrderSummaryRow => ({
  reference,
  customerReference: "projections",
  customOrderReference: null,
  state: "paid",
  itemStates: {},
  grandTotal: 1,
  currency: "EUR",
  placedAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  cancellableUntil: "2026-01-01T00:30:00.000Z",
  itemsCancellable: false,
  customerVisible: true,
  customerEmail: "",
  customerName: "",
  skus: "",
  process: "payment@1",
  deadEffects: null,
  version,
  ...overrides,
});
