/**
 * `npm run dev`'s local timer (scripts/wrangler-dev.mjs `sweepEveryMs`, which scripts/dev.mjs
 * sets): `wrangler dev` runs no Cron Trigger, so without the timer an ERP event that waited for
 * `ERP_EXPORT_URL` would stay `pending` after a restart with the URL set. Two `wrangler dev` runs
 * on one storage, as a developer restarts `npm run dev` after editing `.dev.vars`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";
import { createOrderClient } from "../../src/client";
import { DEMO_SELLER } from "../../src/demo-seller";
import { orderInput } from "../order-input";
import { type ErpReceiver, startErpReceiver } from "./erp-receiver";
import { E2E_SECRETS, mintToken } from "./server";

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

const start = (persistTo: string, vars: Record<string, string>, sweepEveryMs?: number) =>
  startWranglerDev({
    persistTo,
    secrets: E2E_SECRETS,
    vars: { MAIL_TRANSPORT: "capture", SELLER: DEMO_SELLER, ...vars },
    sweepEveryMs,
  });

it("sends the events that waited for ERP_EXPORT_URL as soon as the restarted dev server is ready", async () => {
  const persistTo = await mkdtemp(join(tmpdir(), "edge-oms-dev-sweep-"));
  cleanup.push(() => rm(persistTo, { recursive: true, force: true }));

  // Without ERP_EXPORT_URL (the default): the export waits as pending.
  const first = await start(persistTo, {});
  cleanup.push(() => first.stop());
  const checkout = createOrderClient({
    url: first.url,
    token: await mintToken("checkout", "shop"),
  });
  const backoffice = createOrderClient({
    url: first.url,
    token: await mintToken("backoffice", "dev"),
  });
  const { reference } = await checkout.orders.place.mutate(orderInput());
  for (const event of ["pay", "confirm"] as const)
    await backoffice.orders.trigger.mutate({ reference, event, target: { all: true } });
  await backoffice.orders.closeCancellationWindow.mutate({ reference });
  await expect
    .poll(
      async () => (await backoffice.exports.list.query({ orderReference: reference })).deliveries,
    )
    .toMatchObject([
      {
        type: "order.exported",
        status: "pending",
        lastError: "waiting: ERP_EXPORT_URL is not set",
      },
    ]);
  await first.stop();

  // The developer sets the URL and restarts: the timer's first sweep sends what waited.
  const receiver: ErpReceiver = await startErpReceiver({ secret: E2E_SECRETS.ERP_EXPORT_SECRET });
  cleanup.push(() => receiver.stop());
  const second = await start(persistTo, { ERP_EXPORT_URL: receiver.url }, 60_000);
  cleanup.push(() => second.stop());
  await expect
    .poll(() => receiver.log(reference).received.map((r) => `${r.sequence} ${r.type}`), {
      timeout: 30_000,
      interval: 250,
    })
    .toEqual(["1 order.exported"]);
  const after = createOrderClient({ url: second.url, token: await mintToken("backoffice", "dev") });
  await expect
    .poll(async () => (await after.exports.list.query({ orderReference: reference })).deliveries)
    .toMatchObject([{ type: "order.exported", status: "delivered" }]);
  // Two starts of wrangler dev on a shared machine: more than the project's 30 s default.
}, 120_000);
