/**
 * The storefront's tests against the whole order service, started on this machine by
 * edge-oms/testing: real Durable Objects, D1 and queues on the local Workers runtime, with the
 * adjustable clock, so the 30-minute cancellation window and the 1-day payment timeout pass in
 * milliseconds instead of being waited for. Only the package's public entries are used.
 */

import { type ErpWebhookInput, type Oms, startOms } from "edge-oms/testing";
import { isOrderClientError, type OrderClient, type OrderView } from "edge-oms-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import order from "../src/order.json" with { type: "json" };

let oms: Oms;
let checkout: OrderClient;
let backoffice: OrderClient;
let customer: OrderClient;

beforeAll(async () => {
  const started = performance.now();
  oms = await startOms();
  console.log(`edge-oms started in ${Math.round(performance.now() - started)} ms at ${oms.url}`);
  checkout = oms.client(oms.token("checkout", "storefront"));
  backoffice = oms.client(oms.token("backoffice", "storefront-ops"));
  // The customer of order.json, as the shop's backend would sign them in.
  customer = oms.client(oms.token("customer", order.customer.reference));
});

afterAll(async () => {
  await oms?.stop();
});

let carts = 0;
const place = (): Promise<OrderView> =>
  checkout.orders.place.mutate({ ...order, idempotencyKey: `cart-${++carts}` });

const all = { all: true } as const;

/** What the service answered when it refused a call. */
async function refusal(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (isOrderClientError(error)) return { code: error.data?.code, message: error.message };
    throw error;
  }
  throw new Error("the call was accepted");
}

describe("the storefront against edge-oms", () => {
  it("a customer cancels an order inside the cancellation window", async () => {
    const placed = await place();
    expect(placed.isCancellable).toBe(true);
    const cancelled = await customer.orders.cancel.mutate({ reference: placed.reference });
    expect(cancelled.itemStates).toEqual({ cancelled: 2 });
  });

  it("31 minutes later the cancel is refused and the order is exported; the ERP ships it; the invoice is mailed", async () => {
    const { reference, cancellableUntil } = await place();
    await backoffice.orders.trigger.mutate({ reference, event: "pay", target: all });
    await backoffice.orders.trigger.mutate({ reference, event: "confirm", target: all });

    const now = await oms.clock.advance("31 minutes");
    expect(now.getTime()).toBeGreaterThan(Date.parse(cancellableUntil));

    expect(await refusal(customer.orders.cancel.mutate({ reference }))).toEqual({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining(`window closed at ${cancellableUntil}`),
    });
    // The list (the service's read model) shows it at once: advance waits for it.
    const { orders } = await customer.orders.list.query({});
    expect(orders.find((o) => o.reference === reference)).toMatchObject({
      state: "exported",
      isCancellable: false,
    });

    const ship = {
      type: "order.items.event",
      order: { reference },
      event: "ship",
      target: all,
      data: { trackingNumber: "00340434161094042557", carrier: "DHL" },
    } satisfies ErpWebhookInput;
    // The body is typed by the webhook's schema: a misspelt type does not compile.
    const misspelt = { ...ship, type: "order.item.event" } as const;
    // @ts-expect-error "order.item.event" is not a webhook type
    const typo = () => oms.erp(misspelt);
    expect(typo).toBeTypeOf("function");
    const shipped = await oms.erp(ship, { id: `ship-${reference}` });
    expect(shipped).toMatchObject({
      status: 200,
      body: { ok: true, order: { reference, itemStates: { shipped: 2 } } },
    });
    // The ERP retries with the same webhook id: it gets the first answer, nothing happens twice.
    expect(await oms.erp(ship, { id: `ship-${reference}` })).toEqual(shipped);

    await backoffice.orders.trigger.mutate({ reference, event: "invoice-generate", target: all });
    // The invoice is made by the service's queue consumer: wait for it, not for a time.
    await expect
      .poll(async () => (await customer.orders.get.query({ reference })).invoice, {
        timeout: 15_000,
        interval: 100,
      })
      .not.toBeNull();
    const { invoice } = await customer.orders.get.query({ reference });
    // Dated by the service's clock, which is 31 minutes ahead of this machine's now.
    expect(Date.parse(invoice?.issuedAt ?? "")).toBeGreaterThanOrEqual(now.getTime());
    const mails = await oms.mails({ to: order.customer.email });
    expect(mails.map((m) => m.subject)).toContain(`Invoice: ${invoice?.reference}`);
  });

  it("an unpaid order turns invalid after a day, and its customer no longer sees it", async () => {
    const { reference } = await place();
    await oms.clock.advance("1 day");
    expect((await backoffice.orders.get.query({ reference })).itemStates).toEqual({ invalid: 2 });
    expect(await refusal(customer.orders.get.query({ reference }))).toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("two services in one test file share nothing: orders, clock, secrets", async () => {
    const { reference } = await place();
    const other = await startOms();
    try {
      const stranger = other.client(other.token("backoffice", "storefront-ops"));
      expect(await refusal(stranger.orders.get.query({ reference }))).toMatchObject({
        code: "NOT_FOUND",
      });
      expect((await stranger.orders.list.query({})).orders).toEqual([]);
      // This file's service is more than a day ahead; the other one starts at today.
      const ahead = (await oms.clock.now()).getTime() - (await other.clock.now()).getTime();
      expect(ahead).toBeGreaterThan(24 * 60 * 60_000);
      // Its tokens are signed with other secrets.
      expect(
        await refusal(other.client(oms.token("backoffice", "x")).orders.list.query({})),
      ).toMatchObject({
        code: "UNAUTHORIZED",
      });
    } finally {
      await other.stop();
    }
  });
});
