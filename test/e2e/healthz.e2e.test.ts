import { expect, inject, it } from "vitest";

it("the worker started by wrangler dev answers GET /healthz over real HTTP", async () => {
  const url = inject("e2eUrl");
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const res = await fetch(`${url}/healthz`);

  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({ ok: true });
});
