import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseCorsOrigins } from "../../src/cors";
import worker from "../../src/index";
import { tokenFor } from "../helpers";

const SHOP = "https://shop.example";

/** The worker's own fetch with real bindings and CORS_ORIGINS as a deployment would set it. */
function request(path: string, init: RequestInit, corsOrigins = env.CORS_ORIGINS) {
  return worker.fetch(
    new Request(`http://oms.test${path}`, init),
    { ...env, CORS_ORIGINS: corsOrigins },
    createExecutionContext(),
  );
}

const preflight = (origin: string, path = "/trpc/orders.list") => ({
  path,
  init: {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  },
});

async function listAs(origin: string, corsOrigins: string) {
  const input = encodeURIComponent(JSON.stringify({}));
  return request(
    `/trpc/orders.list?input=${input}`,
    { headers: { origin, authorization: `Bearer ${await tokenFor("backoffice", "ops")}` } },
    corsOrigins,
  );
}

describe("CORS on /trpc", () => {
  it("by default (CORS_ORIGINS empty) no other origin may call: no Access-Control-Allow-Origin", async () => {
    expect(env.CORS_ORIGINS).toBe("");
    const { path, init } = preflight(SHOP);
    const answer = await request(path, init);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const call = await listAs(SHOP, env.CORS_ORIGINS);
    expect(call.status).toBe(200);
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight from a listed origin with the methods and headers the client sends", async () => {
    const { path, init } = preflight(SHOP);
    const answer = await request(path, init, `https://admin.example, ${SHOP}/`);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(answer.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(answer.headers.get("access-control-allow-headers")).toBe("authorization,content-type");
    expect(answer.headers.get("access-control-max-age")).toBe("600");
    // Bearer tokens, never cookies: credentials stay off.
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
    expect(answer.headers.get("vary")).toContain("Origin");
  });

  it("lets a listed origin read the answer, and denies an origin that is not listed", async () => {
    const allowed = await listAs(SHOP, SHOP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(allowed.headers.get("vary")).toContain("Origin");

    const { path, init } = preflight("https://evil.example");
    const denied = await request(path, init, SHOP);
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
    const deniedCall = await listAs("https://evil.example", SHOP);
    expect(deniedCall.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows any origin with *", async () => {
    const answer = await listAs("http://localhost:5173", "*");
    expect(answer.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
  });

  it("answers a call without Origin (a server, the typed client in Node) with no CORS headers, varying by Origin", async () => {
    const input = encodeURIComponent(JSON.stringify({}));
    const call = await request(
      `/trpc/orders.list?input=${input}`,
      { headers: { authorization: `Bearer ${await tokenFor("backoffice", "ops")}` } },
      "*",
    );
    expect(call.status).toBe(200);
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
    expect(call.headers.get("vary")).toContain("Origin");
    expect(await call.json()).toMatchObject({ result: { data: { orders: expect.any(Array) } } });
  });

  it("gives the ERP webhook no CORS headers: it is called server to server", async () => {
    const { path, init } = preflight(SHOP, "/webhooks/erp");
    const answer = await request(path, init, SHOP);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("rejects a CORS_ORIGINS entry that is not an origin, naming it", () => {
    expect(() => parseCorsOrigins("shop.example")).toThrow(
      'CORS_ORIGINS: "shop.example" is not an origin such as https://shop.example',
    );
    expect([...parseCorsOrigins(" https://a.example/ ,, http://b.example:8080/x ")]).toEqual([
      "https://a.example",
      "http://b.example:8080",
    ]);
  });
});
