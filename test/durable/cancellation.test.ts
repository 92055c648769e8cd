import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, orderInput, tokenFor, triggerAll } from "../helpers";

const WINDOW = 30 * 60_000;
const customer = {
  reference: "carla",
  email: "carla@example.com",
  firstName: "Carla",
  lastName: "C",
};

async function place(overrides: Parameters<typeof orderInput>[0] = {}, lines = 2) {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(orderInput({ customer, ...overrides }, lines));
}

const setClock = (reference: string, at: number) =>
  runInDurableObject(env.ORDERS.getByName(reference), (o: OrderObject) => {
    o.seam.clock = () => at;
  });

const asCarla = () => tokenFor("customer", "carla");

describe("customer cancellation", () => {
  it("cancels the whole order inside the window; every amount becomes refundable", async () => {
    const order = await place();
    expect(order.isCancellable).toBe(true);
    expect(Date.parse(order.cancellableUntil) - Date.parse(order.placedAt)).toBe(WINDOW);
    const carla = await clientAs("customer", "carla");
    const cancelled = await carla.orders.cancel.mutate({ reference: order.reference });
    expect(cancelled.itemStates).toEqual({ cancelled: 4 });
    expect(cancelled.isCancellable).toBe(false);
    expect(cancelled.items.map((i) => i.canceledAmount)).toEqual([2 * 1190, 2 * 1190]);
    expect(cancelled.totals.canceledTotal).toBe(order.totals.grandTotal);
    expect(cancelled.totals.refundableTotal).toBe(0);
    const history = await carla.orders.history.query({ reference: order.reference });
    expect(history.find((h) => h.event === "cancel")).toMatchObject({
      actor: "customer:carla",
      to: "cancelled",
    });
  });

  it("a cancel 1 ms before the deadline succeeds", async () => {
    const order = await place();
    await setClock(order.reference, Date.parse(order.cancellableUntil) - 1);
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await asCarla() },
    );
    expect(res.status).toBe(200);
  });

  it("a cancel 1 ms after the deadline fails, even before the alarm ran", async () => {
    const order = await place();
    const until = order.cancellableUntil;
    await setClock(order.reference, Date.parse(until) + 1);
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await asCarla() },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.data.code).toBe("PRECONDITION_FAILED");
    expect(res.body.error?.message).toContain(`window closed at ${until}`);
    await runInDurableObject(env.ORDERS.getByName(order.reference), (o: OrderObject) => {
      o.seam.clock = Date.now;
    });
  });

  it("the window closes on the alarm, survives eviction, and moves confirmed items on to export", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    await triggerAll(order.reference, ["pay", "confirm"]);
    const stub = env.ORDERS.getByName(order.reference);
    await evictDurableObject(stub);
    await setClock(order.reference, Date.parse(order.cancellableUntil));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.itemStates).toEqual({ exported: 4 });
    expect(after.isCancellable).toBe(false);
    expect(after.cancellationWindowClosedAt).toBe(order.cancellableUntil);
    const history = await backoffice.orders.history.query({ reference: order.reference });
    const closed = history.find((h) => h.type === "cancellation-window-closed");
    expect(closed).toMatchObject({ actor: "timer", at: order.cancellableUntil });
    expect(history.filter((h) => h.type === "cancellation-window-closed")).toHaveLength(1);
    expect(history.find((h) => h.event === "notifyErp")).toBeDefined();
  });

  it("an item confirmed after the window closed goes straight on to export", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    const confirmed = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "confirm",
      target: { all: true },
    });
    expect(confirmed.order.itemStates).toEqual({ exported: 4 });
  });

  it("the back office can close the window early; it is recorded and the customer can no longer cancel", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice", "olga");
    const closed = await backoffice.orders.closeCancellationWindow.mutate({
      reference: order.reference,
    });
    expect(closed.isCancellable).toBe(false);
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.find((h) => h.type === "cancellation-window-closed")).toMatchObject({
      actor: "backoffice:olga",
      data: { early: true },
    });
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await asCarla() },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.message).toMatch(/window closed/);
    const again = await call(
      "orders.closeCancellationWindow",
      { reference: order.reference },
      {
        token: await tokenFor("backoffice", "olga"),
      },
    );
    expect(again.status).toBe(412);
  });

  it("the back office may also close the window as an event; a dry run of it changes nothing", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    const input = {
      reference: order.reference,
      event: "cancellation-window-closed" as const,
      target: { all: true as const },
    };
    const dry = await backoffice.orders.trigger.mutate({ ...input, dryRun: true });
    expect(dry.order.isCancellable).toBe(true);
    expect(dry.order.version).toBe(order.version);
    const closed = await backoffice.orders.trigger.mutate(input);
    expect(closed.order.isCancellable).toBe(false);
    expect(closed.order.cancellationWindowClosedAt).not.toBeNull();
  });

  it("a customer cannot cancel once an item has shipped", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await triggerAll(order.reference, ["pay", "confirm"]);
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "ship",
      target: { items: [{ id: order.items[0]!.id }] },
    });
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await asCarla() },
    );
    expect(res.status).toBe(412);
  });

  it("a customer cannot cancel while an item is in a non-cancellable state, and is told which", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    const first = order.items[0]!;
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "cancel",
      target: { items: [{ id: first.id }] },
    });
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await asCarla() },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.message).toContain(`${first.id} in cancelled`);
  });

  it("a customer cannot cancel another customer's order", async () => {
    const order = await place();
    const res = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: await tokenFor("customer", "mallory") },
    );
    expect(res.status).toBe(404);
  });

  it("a repeated cancel with the same key returns the same result; an already cancelled order is a clear 412", async () => {
    const order = await place();
    const token = await asCarla();
    const input = { reference: order.reference, idempotencyKey: "cancel-1" };
    const first = await call("orders.cancel", input, { token });
    const second = await call("orders.cancel", input, { token });
    expect(second.status).toBe(200);
    expect(second.body.result?.data).toEqual(first.body.result?.data);
    const backoffice = await tokenFor("backoffice", "ops");
    const third = await call(
      "orders.cancel",
      { reference: order.reference },
      { token: backoffice },
    );
    expect(third.status).toBe(412);
    expect(third.body.error?.message).toBe("the order is already cancelled");
  });

  it("a customer who cancels again (another key, or none) hears the order is already cancelled", async () => {
    const order = await place();
    const token = await asCarla();
    expect((await call("orders.cancel", { reference: order.reference }, { token })).status).toBe(
      200,
    );
    const again = await call("orders.cancel", { reference: order.reference }, { token });
    expect(again.status).toBe(412);
    expect(again.body.error?.message).toBe("the order is already cancelled");
  });
});

describe("back-office partial cancellation", () => {
  it("cancels 2 of 5 units of a splittable line, leaving 3 in their state, and adds up the amounts", async () => {
    const order = await place({
      lines: [
        {
          sku: "SOCK",
          name: "Socks",
          quantity: 5,
          unitPrice: 1000,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "HAT",
          name: "Hat",
          quantity: 1,
          unitPrice: 2500,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
      ],
    });
    const backoffice = await clientAs("backoffice", "olga");
    const sock = order.items[0]!;
    const result = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "cancel",
      target: { items: [{ id: sock.id, quantity: 2 }] },
    });
    const socks = result.order.items.filter((i) => i.lineId === sock.lineId);
    expect(socks.map((i) => [i.quantity, i.state])).toEqual([
      [3, "payment-pending"],
      [2, "cancelled"],
    ]);
    expect(socks.reduce((n, i) => n + i.quantity, 0)).toBe(5);
    expect(socks[1]?.canceledAmount).toBe(2000);
    expect(result.order.totals.canceledTotal).toBe(2000);
    expect(result.order.totals.refundableTotal).toBe(order.totals.grandTotal - 2000);
    expect(result.order.totals.grandTotal).toBe(order.totals.grandTotal);
    const history = await backoffice.orders.history.query({
      reference: order.reference,
      itemId: socks[1]!.id,
    });
    expect(history.find((h) => h.event === "cancel")).toMatchObject({ actor: "backoffice:olga" });
  });

  it("part of a non-splittable line is BAD_REQUEST", async () => {
    const order = await place({
      lines: [
        {
          sku: "SOFA",
          name: "Sofa",
          quantity: 2,
          unitPrice: 90000,
          taxRate: 19,
          isQuantitySplittable: false,
          shipment: "home",
        },
      ],
    });
    const res = await call(
      "orders.trigger",
      {
        reference: order.reference,
        event: "cancel",
        target: { items: [{ id: order.items[0]!.id, quantity: 1 }] },
      },
      { token: await tokenFor("backoffice", "ops") },
    );
    expect(res.status).toBe(400);
  });

  it("cancelling a whole shipment refunds its shipping expense too", async () => {
    const address = orderInput().billingAddress;
    const order = await place({
      shipments: [
        { key: "a", address, method: { id: "dhl", name: "DHL", price: 490 } },
        { key: "b", address, method: { id: "ups", name: "UPS", price: 700 } },
      ],
      lines: [
        {
          sku: "A",
          name: "A",
          quantity: 1,
          unitPrice: 1000,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "a",
        },
        {
          sku: "B",
          name: "B",
          quantity: 1,
          unitPrice: 2000,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "b",
        },
      ],
    });
    const backoffice = await clientAs("backoffice");
    const shipmentB = order.shipments.find((s) => s.method.id === "ups")!;
    const result = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "cancel",
      target: { shipmentId: shipmentB.id },
    });
    expect(result.moved).toHaveLength(1);
    expect(result.order.totals.canceledTotal).toBe(2000 + 700);
    expect(result.order.totals.refundableTotal).toBe(1000 + 490);
  });

  it("the back office may cancel after the window wherever the states accept it", async () => {
    const order = await place();
    const backoffice = await clientAs("backoffice");
    await setClock(order.reference, Date.parse(order.cancellableUntil) + 60_000);
    const cancelled = await backoffice.orders.cancel.mutate({ reference: order.reference });
    expect(cancelled.itemStates).toEqual({ cancelled: 4 });
  });
});

describe("isCancellable in orders.list", () => {
  it("is decided at read time: a closed window is never offered, even if the projection lags", async () => {
    await env.DB.prepare(
      `INSERT INTO orders (reference, customer_reference, state, item_states, grand_total, currency,
        placed_at, updated_at, cancellable_until, items_cancellable, version)
       VALUES ('ORD-LAGGING', 'lena', 'payment-pending', '{"payment-pending":1}', 100, 'EUR',
        '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:30:00.000Z', 1, 3)`,
    ).run();
    const lena = await clientAs("customer", "lena");
    const { orders } = await lena.orders.list.query({});
    expect(orders).toEqual([
      expect.objectContaining({ reference: "ORD-LAGGING", isCancellable: false }),
    ]);
  });
});
