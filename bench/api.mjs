// Talking to the worker as its callers do: plain-JSON tRPC over HTTP (tokens: scripts/test-auth.mjs).
import { customer, orderInput, orderLines } from "../test/order-input.ts";

export class ApiError extends Error {
  constructor(path, status, body) {
    super(`${path} answered ${status}: ${JSON.stringify(body?.error ?? body).slice(0, 500)}`);
    this.status = status;
    this.body = body;
  }
}

/** A tRPC client of one base URL: `query(path, input, token)`, `mutate(path, input, token)`. */
export function api(baseUrl) {
  async function call(path, input, token, method, extra = {}) {
    const headers = { authorization: `Bearer ${token}`, ...extra };
    let url = `${baseUrl}/trpc/${path}`;
    let body;
    if (method === "GET") url += `?input=${encodeURIComponent(JSON.stringify(input))}`;
    else {
      headers["content-type"] = "application/json";
      body = JSON.stringify(input);
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(path, res.status, text.slice(0, 500));
    }
    if (!res.ok || parsed.error) throw new ApiError(path, res.status, parsed);
    return parsed.result.data;
  }
  async function bench(path, method = "GET") {
    const res = await fetch(`${baseUrl}${path}`, { method });
    if (!res.ok) throw new ApiError(path, res.status, await res.text());
    return res.json();
  }
  return {
    query: (path, input, token) => call(path, input, token, "GET"),
    /** A query the bench polls with: not counted as the service's use (bench/worker.ts usage). */
    probe: (path, input, token) => call(path, input, token, "GET", { "x-bench-probe": "1" }),
    /** What the service used on Cloudflare's price list so far (bench/worker.ts usage). */
    usage: () => bench("/bench/usage"),
    /** Counting of the service's use on (true) or off. */
    countUsage: (on) => bench(`/bench/usage?on=${on ? 1 : 0}`, "POST"),
    mutate: (path, input, token) => call(path, input, token, "POST"),
    /** The order object's rows written: { doRowsWritten, d1RowsWritten }. */
    stats: (reference) => bench(`/bench/stats?reference=${encodeURIComponent(reference)}`),
    /** The order object's pending outbox rows: [{ kind, attempts, nextAt, lastError }]. */
    outbox: (reference) => bench(`/bench/outbox?reference=${encodeURIComponent(reference)}`),
    /** Order R's invoice documents built in the worker: { lines, ublBytes, htmlBytes, ublMs, htmlMs }. */
    einvoice: (reference) => bench(`/bench/einvoice?reference=${encodeURIComponent(reference)}`),
    /** D1 rows written by the invoice consumer so far: { rowsWritten, statements }. */
    consumerD1: () => bench("/bench/d1-rows"),
    /** Profiling: the order's projection into a null D1 (off) or back into D1. */
    projection: ({ off, reference }) =>
      bench(
        `/bench/projection?off=${off ? 1 : 0}&reference=${encodeURIComponent(reference)}`,
        "POST",
      ),
    /** The order's ERP events wait (off) or go out after each answer (as configured). */
    erp: ({ off, reference }) =>
      bench(`/bench/erp?off=${off ? 1 : 0}&reference=${encodeURIComponent(reference)}`, "POST"),
    /** A single-object ceiling measured inside the worker: { n, ms, rowsWritten }. */
    capacity: (what, n, concurrency) =>
      bench(`/bench/capacity?what=${what}&n=${n}&concurrency=${concurrency}`, "POST"),
    /** alarm() invocations of order objects so far: { invocations }. */
    alarms: () => bench("/bench/alarms"),
    /** Instances of and calls into the adjustable clock so far: { instances, calls }. */
    clockCalls: () => bench("/bench/clock"),
    floor: (key) => bench(`/bench/floor?key=${encodeURIComponent(key)}`, "POST"),
    /** Orders of the synthetic shop (bench/scale.ts) into D1: { rowsWritten, statements, ms }. */
    scaleFill: ({ from, to, every, except, total, now }) =>
      bench(
        `/bench/scale?from=${from}&to=${to}&every=${every}&except=${except}&total=${total}&now=${now}`,
        "POST",
      ),
    /** Order i of the synthetic shop, its summary row as D1 last hears it. */
    scaleOrder: (i, total, now) => bench(`/bench/scale/order?i=${i}&total=${total}&now=${now}`),
    /** D1's size in bytes: { bytes }. */
    d1Size: () => bench("/bench/d1-size"),
  };
}

/**
 * A valid placement (test/order-input.ts `orderInput`): one shipment, `lines` lines of `quantity`
 * units, prepayment, so the order runs payment@1.
 */
export function placement({
  idempotencyKey,
  customerReference = "bench-customer",
  lines = 2,
  quantity = 2,
  splittable = true,
}) {
  return orderInput({
    idempotencyKey,
    customer: { ...customer, reference: customerReference },
    lines: orderLines(lines, { quantity, splittable }),
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `intervalMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function until(what, probe, { timeoutMs = 60_000, intervalMs = 20 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}
