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

/** A Content-Security-Policy header as directive -> sources. */
const directives = (policy: string | null) =>
  Object.fromEntries(
    (policy ?? "")
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources.join(" ")]),
  );

it("sends the app's HTML with a Content-Security-Policy that allows what the app needs and nothing else", async () => {
  const url = inject("e2eUrl");
  const navigate = { "sec-fetch-mode": "navigate" };
  const home = await fetch(`${url}/`, { headers: navigate });
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"><\/script>/.exec(
    await home.text(),
  )?.[1];
  for (const path of ["/", "/orders/ORD-ANY", "/orders/ORD-ANY/process", "/any/app/path"]) {
    const page = await fetch(`${url}${path}`, { headers: navigate });
    expect([path, page.status, page.headers.get("content-type")]).toEqual([
      path,
      200,
      "text/html; charset=utf-8",
    ]);
    expect([path, directives(page.headers.get("content-security-policy"))]).toEqual([
      path,
      {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "frame-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "object-src": "'none'",
      },
    ]);
    expect([path, page.headers.get("x-frame-options")]).toEqual([path, "DENY"]);
    expect([path, page.headers.get("x-content-type-options")]).toEqual([path, "nosniff"]);
    expect([path, page.headers.get("referrer-policy")]).toEqual([path, "no-referrer"]);
  }
  // The app's own script is a file of this origin (no inline script to allow), not sniffed.
  expect(script).toBeDefined();
  const js = await fetch(`${url}${script}`);
  expect(js.headers.get("content-type")).toMatch(/^(application|text)\/javascript/);
  expect(js.headers.get("x-content-type-options")).toBe("nosniff");
});

it("answers every /trpc and /webhooks request with Cache-Control: no-store, errors and preflights included", async () => {
  const url = inject("e2eUrl");
  const answers = {
    "trpc 401": await fetch(`${url}/trpc/orders.list?input=%7B%7D`),
    "trpc 404": await fetch(`${url}/trpc/orders.nothing?input=%7B%7D`),
    "trpc preflight": await fetch(`${url}/trpc/orders.list`, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
    }),
    "webhook 401": await fetch(`${url}/webhooks/erp`, { method: "POST", body: "{}" }),
    "webhook 404": await fetch(`${url}/webhooks/nothing`, { method: "POST", body: "{}" }),
  };
  for (const [name, res] of Object.entries(answers)) {
    expect([name, res.headers.get("cache-control")]).toEqual([name, "no-store"]);
    expect([name, res.headers.get("x-content-type-options")]).toEqual([name, "nosniff"]);
  }
});
