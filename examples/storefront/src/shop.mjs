// The same client from plain JavaScript: `node src/shop.mjs`, configured like src/shop.ts.
// Places an order, reads it back and takes the payment; prints one JSON line.
import { createOrderClient } from "edge-oms-client";
import order from "./order.json" with { type: "json" };

const url = process.env.OMS_URL ?? "http://127.0.0.1:8787";
const checkout = createOrderClient({ url, token: process.env.OMS_CHECKOUT_TOKEN });
const backoffice = createOrderClient({ url, token: process.env.OMS_BACKOFFICE_TOKEN });

const placed = await checkout.orders.place.mutate({
  ...order,
  idempotencyKey: `storefront-mjs-${Date.now()}`,
});
const read = await backoffice.orders.get.query({ reference: placed.reference });
const paid = await backoffice.orders.trigger.mutate({
  reference: read.reference,
  event: "pay",
  target: { all: true },
});
console.log(JSON.stringify({ reference: read.reference, paid: paid.order.itemStates }));
