import { expect, inject, it } from "vitest";

// The Worker serves the back office from static assets at / and keeps its API paths its own.

it("serves the back office at / and at its page routes", async () => {
  const url = inject("e2eUrl");
  const home = await fetch(`${url}/`, { headers: { "sec-fetch-mode": "navigate" } });
  expect(home.status).toBe(200);
  expect(home.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await home.text()).toContain('<div id="root">');

  // A route of the app that is no file: the app's page, so a reload or a shared link works.
  const page = await fetch(`${url}/orders/ORD-ANY/process`, {
    headers: { "sec-fetch-mode": "navigate" },
  });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');
});

it("keeps /healthz, /openapi.json, /trpc and /webhooks the API's, unknown paths under them included", async () => {
  const url = inject("e2eUrl");
  const navigate = { "sec-fetch-mode": "navigate" };

  const health = await fetch(`${url}/healthz`, { headers: navigate });
  expect(await health.json()).toEqual({ ok: true });

  const openapi = await fetch(`${url}/openapi.json`, { headers: navigate });
  expect(openapi.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await openapi.json()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });

  const trpc = await fetch(`${url}/trpc/orders.list?input=%7B%7D`, { headers: navigate });
  expect(trpc.status).toBe(401);
  expect(await trpc.json()).toMatchObject({ error: { data: { code: "UNAUTHORIZED" } } });

  const webhook = await fetch(`${url}/webhooks/erp`, { method: "POST", body: "{}" });
  expect(webhook.status).toBe(401);
  expect(webhook.headers.get("content-type")).toMatch(/^application\/json/);

  const noProcedure = await fetch(`${url}/trpc/orders.nothing?input=%7B%7D`, { headers: navigate });
  expect(noProcedure.status).toBe(404);
  expect(await noProcedure.json()).toMatchObject({ error: { data: { code: "NOT_FOUND" } } });

  const noHook = await fetch(`${url}/webhooks/nothing`, { method: "POST", body: "{}" });
  expect(noHook.status).toBe(404);
  expect(await noHook.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
});
