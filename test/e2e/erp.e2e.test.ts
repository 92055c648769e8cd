import { afterAll, beforeAll, expect, it } from "vitest";
import { createOrderClient } from "../../src/client";
import { type ErpReceiver, startErpReceiver } from "./erp-receiver";
import { E2E_SECRETS, type E2EServer, mintToken, signWebhook, startServer } from "./server";

// The worker under `wrangler dev` sends its order events to a real ERP receiver on localhost,
// which verifies each with the standardwebhooks package and misbehaves: 500 to the first two
// attempts of every message, and one stall past the 2 s timeout. Retries start after 1 s.
let receiver: ErpReceiver;
let server: E2EServer;

beforeAll(async () => {
  receiver = await startErpReceiver({ secret: E2E_SECRETS.ERP_EXPORT_SECRET });
  server = await startServer({
    vars: {
      ERP_EXPORT_URL: receiver.url,
      ERP_EXPORT_RETRY_DELAY: "1 second",
      ERP_EXPORT_TIMEOUT: "2 seconds",
    },
  });
});
afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
});

const address = {
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "Main St 1",
  zipCode: "10115",
  city: "Berlin",
  country: "DE",
};

async function webhook(body: unknown) {
  const res = await fetch(`${server.url}/webhooks/erp`, { method: "POST", ...signWebhook(body) });
  return { status: res.status, body: (await res.json()) as { order?: { itemStates: object } } };
}

it("a walked order reaches a flaky ERP as exactly its events, in sequence, verified, each once", async () => {
  const checkout = createOrderClient({
    url: server.url,
    token: await mintToken("checkout", "shop"),
  });
  const backoffice = createOrderClient({
    url: server.url,
    token: await mintToken("backoffice", "e2e"),
  });
  const customOrderReference = `PO-E2E-ERP-${Date.now()}`;
  const placed = await checkout.orders.place.mutate({
    idempotencyKey: `e2e-erp-${Date.now()}`,
    customer: { reference: "e2e-erp", email: "erp@example.com", firstName: "E", lastName: "R" },
    currency: "EUR",
    paymentMethod: "prepayment",
    billingAddress: address,
    customOrderReference,
    shipments: [{ key: "home", address, method: { id: "dhl", name: "DHL", price: 490 } }],
    lines: [{ sku: "A", name: "A", quantity: 3, unitPrice: 1000, taxRate: 19, shipment: "home" }],
  });
  const { reference } = placed;
  receiver.behave(reference, { failFirst: 2, stallSequence: 2, stallMs: 5_000 });

  for (const event of ["pay", "confirm"] as const)
    await backoffice.orders.trigger.mutate({ reference, event, target: { all: true } });
  // The window's end exports the order.
  await backoffice.orders.closeCancellationWindow.mutate({ reference });
  // A cancellation after the export.
  await backoffice.orders.trigger.mutate({
    reference,
    event: "cancel",
    target: { items: [{ id: placed.items[0]!.id, quantity: 1 }] },
  });
  // The ERP changes the reference, then ships by it: webhooks signed by the standardwebhooks package.
  const renamed = `${customOrderReference}-B`;
  const set = await webhook({
    type: "order.custom-reference.set",
    order: { reference },
    customOrderReference: renamed,
  });
  expect(set.status).toBe(200);
  await expect
    .poll(
      async () =>
        (await backoffice.orders.list.query({ customOrderReference: renamed })).orders.length,
    )
    .toBe(1);
  const shipped = await webhook({
    type: "order.items.event",
    order: { customOrderReference: renamed },
    event: "ship",
    target: { all: true },
    data: { trackingNumber: "TRACK-ERP", carrier: "DHL" },
  });
  expect(shipped.status).toBe(200);
  expect(shipped.body.order?.itemStates).toEqual({ cancelled: 1, shipped: 2 });
  // The invoice.
  await backoffice.orders.trigger.mutate({
    reference,
    event: "invoice-generate",
    target: { all: true },
  });

  await expect
    .poll(() => receiver.log(reference).received.map((r) => `${r.sequence} ${r.type}`), {
      timeout: 60_000,
      interval: 250,
    })
    .toEqual([
      "1 order.exported",
      "2 order.items.cancelled",
      "3 order.custom-reference.changed",
      "4 invoice.issued",
    ]);
  const { attempts, received } = receiver.log(reference);
  expect(attempts.every((a) => a.verified)).toBe(true);
  expect(received.map((r) => r.id)).toEqual([1, 2, 3, 4].map((n) => `msg_${reference}_${n}`));
  // Every message failed twice before it was taken; the stalled one came again after the timeout.
  for (const sequence of [1, 2, 3, 4]) {
    const mine = attempts.filter((a) => a.sequence === sequence);
    expect(mine.map((a) => a.status)).toEqual(
      sequence === 2 ? ["stalled", 500, 200] : [500, 500, 200],
    );
    expect(new Set(mine.map((a) => a.id)).size).toBe(1);
  }
  // In sequence on the wire: nothing of an event before the one ahead of it was acknowledged.
  expect(attempts.map((a) => a.sequence)).toEqual([...attempts.map((a) => a.sequence)].sort());
  expect(received[2]?.body.data).toMatchObject({
    customOrderReference: renamed,
    previousCustomOrderReference: customOrderReference,
  });

  await expect
    .poll(
      async () =>
        (await backoffice.exports.list.query({ orderReference: reference })).deliveries.map(
          (d) => d.status,
        ),
      { timeout: 10_000 },
    )
    .toEqual(["delivered", "delivered", "delivered", "delivered"]);
});
