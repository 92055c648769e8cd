import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { limits } from "../../src/domain/limits";
import worker from "../../src/index";
import { erpRequest, flakyD1, orderInput, tokenFor } from "../helpers";

/** The worker's own fetch with real bindings, and other vars where a case needs them. */
function fetchWorker(path: string, init: RequestInit = {}, vars: Partial<Env> = {}) {
  return worker.fetch(
    new Request(`http://oms.test${path}`, init),
    { ...env, ...vars } as Env,
    createExecutionContext(),
  );
}

const json = (body: unknown, token?: string): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  },
  body: JSON.stringify(body),
});

describe("the API's answers are never cached", () => {
  it("every /trpc and /webhooks answer says Cache-Control: no-store and nosniff, errors and preflights included", async () => {
    const backoffice = await tokenFor("backoffice", "ops");
    const checkout = await tokenFor("checkout", "shop");
    const list = `/trpc/orders.list?input=${encodeURIComponent("{}")}`;
    const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    // Errors are logged by the worker; the log is not what this test reads.
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { db: downD1 } = flakyD1(env.DB);
    const answers: Record<string, Response> = {
      "trpc 200": await fetchWorker(list, auth(backoffice)),
      "trpc 400": await fetchWorker("/trpc/orders.place", json({ lines: [] }, checkout)),
      "trpc 401": await fetchWorker(list),
      "trpc 403": await fetchWorker(list, auth(checkout)),
      "trpc 404": await fetchWorker("/trpc/orders.nothing", auth(backoffice)),
      "trpc 413": await fetchWorker(
        "/trpc/orders.place",
        json({ pad: "x".repeat(limits.maxTrpcBodyBytes) }, checkout),
      ),
      "trpc 500": await fetchWorker("/trpc/orders.place", json(orderInput(), checkout), {
        PAYMENT_PROCESSES: '{"prepayment":"payment@99"}',
      }),
      "trpc preflight": await fetchWorker(
        "/trpc/orders.list",
        {
          method: "OPTIONS",
          headers: {
            origin: "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
          },
        },
        { CORS_ORIGINS: "https://shop.example" },
      ),
      "webhook 400": await worker.fetch(
        await erpRequest({ type: "nothing" }, "headers-400"),
        env,
        createExecutionContext(),
      ),
      "webhook 401": await fetchWorker("/webhooks/erp", { method: "POST", body: "{}" }),
      "webhook 404": await fetchWorker("/webhooks/nothing", { method: "POST", body: "{}" }),
      "webhook 413": await fetchWorker("/webhooks/erp", {
        method: "POST",
        body: "x".repeat(limits.maxWebhookBodyBytes + 1),
      }),
      "webhook 500": await worker.fetch(
        await erpRequest({ type: "order.items.event" }, "headers-500"),
        { ...env, DB: downD1 },
        createExecutionContext(),
      ),
      healthz: await fetchWorker("/healthz"),
    };
    const statuses = Object.fromEntries(
      Object.entries(answers).map(([name, res]) => [name, res.status]),
    );
    expect(statuses).toEqual({
      "trpc 200": 200,
      "trpc 400": 400,
      "trpc 401": 401,
      "trpc 403": 403,
      "trpc 404": 404,
      "trpc 413": 413,
      "trpc 500": 500,
      "trpc preflight": 204,
      "webhook 400": 400,
      "webhook 401": 401,
      "webhook 404": 404,
      "webhook 413": 413,
      "webhook 500": 500,
      healthz: 200,
    });
    expect(answers["trpc preflight"]?.headers.get("access-control-allow-origin")).toBe(
      "https://shop.example",
    );
    for (const [name, res] of Object.entries(answers)) {
      expect([name, res.headers.get("cache-control")]).toEqual([name, "no-store"]);
      expect([name, res.headers.get("x-content-type-options")]).toEqual([name, "nosniff"]);
    }
  });
});
