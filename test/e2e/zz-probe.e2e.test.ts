import { execFileSync } from "node:child_process";
import { expect, inject, it } from "vitest";
import { E2E_SECRETS, mintToken, signWebhook } from "./server";
const url = inject("e2eUrl");
it("token + D1 list", async () => {
  const t = await mintToken("backoffice", "alice");
  const r = await fetch(`${url}/trpc/orders.list?input=${encodeURIComponent("{}")}`, { headers: { authorization: `Bearer ${t}` } });
  console.log(r.status, await r.text());
  const bad = await fetch(`${url}/trpc/orders.list?input=${encodeURIComponent("{}")}`, { headers: { authorization: `Bearer ${await mintToken("backoffice", "a", 60, "wrong")}` } });
  console.log("wrong secret", bad.status);
});
it("webhook helper", async () => {
  const hook = await signWebhook({ type: "order.custom-reference.set", order: { reference: "NOPE" }, customOrderReference: "X" });
  const r = await fetch(`${url}/webhooks/erp`, { method: "POST", ...hook });
  console.log("helper", r.status, await r.text());
  const bad = await signWebhook("{}", { secret: "nope" });
  const r2 = await fetch(`${url}/webhooks/erp`, { method: "POST", ...bad });
  console.log("bad", r2.status, await r2.text());
});
it("erp:sign curl", () => {
  const cmd = execFileSync("node", ["scripts/erp-sign.mjs", "--body", '{"type":"order.custom-reference.set","order":{"reference":"NOPE"},"customOrderReference":"X"}', "--url", `${url}/webhooks/erp`], { env: { ...process.env, ERP_WEBHOOK_SECRET: E2E_SECRETS.ERP_WEBHOOK_SECRET }, encoding: "utf8" });
  console.log(execFileSync("sh", ["-c", cmd], { encoding: "utf8" }));
});
