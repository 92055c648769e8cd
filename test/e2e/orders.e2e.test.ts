import { expect, inject, it } from "vitest";
import { createOrderClient } from "../../src/client";
import { mintToken, signWebhook } from "./server";

const address = {
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "Main St 1",
  zipCode: "10115",
  city: "Berlin",
  country: "DE",
};

it("places, reads, lists, ships by webhook and invoices an order through createOrderClient over HTTP", async () => {
  const url = inject("e2eUrl");
  const checkout = createOrderClient({ url, token: await mintToken("checkout", "shop") });
  const backoffice = createOrderClient({ url, token: await mintToken("backoffice", "e2e") });
  const customOrderReference = `PO-E2E-${Date.now()}`;

  const placed = await checkout.orders.place.mutate({
    idempotencyKey: `e2e-${Date.now()}`,
    customer: {
      reference: "e2e-customer",
      email: "e2e@example.com",
      firstName: "E",
      lastName: "E",
    },
    currency: "EUR",
    paymentMethod: "prepayment",
    billingAddress: address,
    customOrderReference,
    shipments: [{ key: "home", address, method: { id: "dhl", name: "DHL", price: 490 } }],
    lines: [{ sku: "A", name: "A", quantity: 3, unitPrice: 1000, taxRate: 19, shipment: "home" }],
  });
  expect(placed.totals.grandTotal).toBe(3490);

  const read = await backoffice.orders.get.query({ reference: placed.reference });
  expect(read.reference).toBe(placed.reference);

  await expect
    .poll(async () => (await backoffice.orders.list.query({ customOrderReference })).orders.length)
    .toBe(1);

  await backoffice.orders.closeCancellationWindow.mutate({ reference: placed.reference });
  for (const event of ["pay", "confirm"] as const)
    await backoffice.orders.trigger.mutate({
      reference: placed.reference,
      event,
      target: { all: true },
    });

  const hook = await signWebhook({
    type: "order.items.event",
    order: { customOrderReference },
    event: "ship",
    target: { all: true },
    data: { trackingNumber: "TRACK-1", carrier: "DHL" },
  });
  const res = await fetch(`${url}/webhooks/erp`, { method: "POST", ...hook });
  expect(res.status).toBe(200);

  await backoffice.orders.trigger.mutate({
    reference: placed.reference,
    event: "invoice-generate",
    target: { all: true },
  });
  await expect
    .poll(
      async () => (await backoffice.orders.get.query({ reference: placed.reference })).invoice,
      {
        timeout: 20_000,
      },
    )
    .not.toBeNull();
  const shipped = await backoffice.orders.get.query({ reference: placed.reference });
  expect(shipped.itemStates).toEqual({ shipped: 3 });
  expect(shipped.shipments[0]?.tracking).toEqual({ trackingNumber: "TRACK-1", carrier: "DHL" });
  const invoice = await backoffice.invoices.get.query({ reference: shipped.invoice!.reference });
  expect(invoice.html).toContain(customOrderReference);
});
