/**
 * A shop's script: the checkout places an order, the back office reads it, sees what it may do,
 * takes the payment, and gets a readable refusal for a step the process does not allow.
 * Runs with plain Node (type stripping): `node src/shop.ts`, against `npm run dev` by default.
 *
 *   OMS_URL             the service (default http://127.0.0.1:8787)
 *   OMS_CHECKOUT_TOKEN  a checkout token   (in the service's folder: npm run -s token -- --role checkout --sub shop)
 *   OMS_BACKOFFICE_TOKEN a back-office token (npm run -s token -- --role backoffice --sub ops)
 *
 * Prints one JSON line with what happened.
 */
import {
  createOrderClient,
  type ItemState,
  isOrderClientError,
  type OrderView,
} from "edge-oms-client";
import order from "./order.json" with { type: "json" };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the top of ${import.meta.filename})`);
  return value;
}

const url = process.env.OMS_URL ?? "http://127.0.0.1:8787";
const checkout = createOrderClient({ url, token: required("OMS_CHECKOUT_TOKEN") });
const backoffice = createOrderClient({ url, token: required("OMS_BACKOFFICE_TOKEN") });

const placed: OrderView = await checkout.orders.place.mutate({
  ...order,
  idempotencyKey: `storefront-${Date.now()}`,
});
const { reference } = placed;
const read = await backoffice.orders.get.query({ reference });
const offered = await backoffice.orders.events.query({ reference });
const paid = await backoffice.orders.trigger.mutate({
  reference,
  event: "pay",
  target: { all: true },
});
const paidState: ItemState | undefined = paid.order.items[0]?.state;

let refusal: { code: string | undefined; message: string } | null = null;
try {
  // Paid items are not exported yet: the process does not let them ship.
  await backoffice.orders.trigger.mutate({ reference, event: "ship", target: { all: true } });
} catch (error) {
  if (!isOrderClientError(error)) throw error;
  refusal = { code: error.data?.code, message: error.message };
}

// Compile errors that must stay errors (never called): if one compiles, the types went soft.
const mistakes = [
  // @ts-expect-error "pya" is not an event of any registered process
  () => backoffice.orders.trigger.mutate({ reference, event: "pya", target: { all: true } }),
  // @ts-expect-error a target is { all: true }, { shipmentId } or { items }, nothing else
  () => backoffice.orders.trigger.mutate({ reference, event: "pay", target: { every: true } }),
  // @ts-expect-error an order's reference is a string, not a number
  (): number => read.reference,
  // @ts-expect-error "payed" is not a state of any registered process
  () => paidState === "payed",
];

console.log(
  JSON.stringify({
    reference,
    placed: placed.itemStates,
    read: read.reference === reference,
    offered: offered[0]?.events,
    paid: paid.order.itemStates,
    paidState,
    refusal,
    mistakes: mistakes.length,
  }),
);
