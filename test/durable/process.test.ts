import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, entriesOf, orderInput, tokenFor } from "../helpers";

const DAY = 24 * 60 * 60_000;

async function place(lines = 2, overrides: Parameters<typeof orderInput>[0] = {}) {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(orderInput(overrides, lines));
}

const setClock = (reference: string, at: number) =>
  runInDurableObject(env.ORDERS.getByName(reference), (o: OrderObject) => {
    o.seam.clock = () => at;
  });

async function expectGapFreeHistory(reference: string) {
  const backoffice = await clientAs("backoffice");
  const history = entriesOf(await backoffice.orders.history.query({ reference }));
  const order = await backoffice.orders.get.query({ reference });
  expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
  expect(history.at(-1)?.seq).toBe(order.version);
  return history;
}

describe("orders.trigger", () => {
  it("moves every item whose state accepts the event and records who did it", async () => {
    const order = await place(3);
    expect(order.itemStates).toEqual({ "payment-pending": 6 });
    expect(order.items[0]).toMatchObject({
      state: "payment-pending",
      stateDisplay: "payment pending",
    });
    expect(order.items[0]?.flags).toContain("cancellable");
    const backoffice = await clientAs("backoffice", "olga");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    expect(paid.moved).toHaveLength(3);
    expect(paid.moved[0]).toMatchObject({ from: "payment-pending", to: "paid", quantity: 2 });
    expect(paid.skipped).toEqual([]);
    expect(paid.order.itemStates).toEqual({ paid: 6 });
    const history = await expectGapFreeHistory(order.reference);
    expect(history.find((h) => h.event === "pay")).toMatchObject({
      actor: "backoffice:olga",
      type: "event",
      from: "payment-pending",
      to: "paid",
      itemIds: order.items.map((i) => i.id),
    });
  });

  it("skips items whose state does not accept the event and reports their state", async () => {
    const order = await place(2);
    const backoffice = await clientAs("backoffice");
    const [first] = order.items;
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { items: [{ id: first!.id }] },
    });
    const confirmed = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "confirm",
      target: { all: true },
    });
    expect(confirmed.moved.map((m) => m.itemId)).toEqual([first!.id]);
    expect(confirmed.skipped).toEqual([
      expect.objectContaining({ itemId: order.items[1]!.id, state: "payment-pending" }),
    ]);
  });

  it("an event no targeted item accepts is PRECONDITION_FAILED naming states and accepted events", async () => {
    const order = await place(1);
    const token = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.trigger",
      { reference: order.reference, event: "ship", target: { all: true } },
      { token },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.message).toMatch(/payment-pending/);
    expect(res.body.error?.message).toMatch(/pay/);
    expect(res.body.error?.data.details).toMatchObject({
      event: "ship",
      states: [
        expect.objectContaining({
          state: "payment-pending",
          accepts: expect.arrayContaining(["pay", "cancel"]),
        }),
      ],
    });
  });

  it("a stale expectedVersion is CONFLICT with the current version", async () => {
    const order = await place(1);
    const token = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.trigger",
      {
        reference: order.reference,
        event: "pay",
        target: { all: true },
        expectedVersion: order.version - 1,
      },
      { token },
    );
    expect(res.status).toBe(409);
    expect(res.body.error?.data.details).toEqual({ currentVersion: order.version });
    const ok = await call(
      "orders.trigger",
      {
        reference: order.reference,
        event: "pay",
        target: { all: true },
        expectedVersion: order.version,
      },
      { token },
    );
    expect(ok.status).toBe(200);
  });

  it("an unknown item or shipment is BAD_REQUEST naming the field", async () => {
    const order = await place(1);
    const token = await tokenFor("backoffice", "ops");
    const item = await call(
      "orders.trigger",
      { reference: order.reference, event: "pay", target: { items: [{ id: "I999" }] } },
      { token },
    );
    expect(item.status).toBe(400);
    expect(item.body.error?.message).toMatch(/target\.items\.0\.id/);
    const shipment = await call(
      "orders.trigger",
      { reference: order.reference, event: "pay", target: { shipmentId: "S9" } },
      { token },
    );
    expect(shipment.status).toBe(400);
    expect(shipment.body.error?.message).toMatch(/target\.shipmentId/);
  });

  it("part of a splittable item splits it under the same line; the rest stays", async () => {
    const order = await place(1, {
      lines: [
        {
          sku: "S",
          name: "Socks",
          quantity: 5,
          unitPrice: 500,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
      ],
    });
    const backoffice = await clientAs("backoffice");
    const item = order.items[0]!;
    const result = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { items: [{ id: item.id, quantity: 2 }] },
    });
    expect(result.order.items).toHaveLength(2);
    const [rest, part] = result.order.items;
    expect(rest).toMatchObject({
      id: item.id,
      lineId: item.lineId,
      quantity: 3,
      state: "payment-pending",
    });
    expect(part).toMatchObject({
      lineId: item.lineId,
      quantity: 2,
      state: "paid",
      shipmentId: item.shipmentId,
    });
    expect(result.order.totals.grandTotal).toBe(order.totals.grandTotal);
  });

  it("part of a non-splittable item is BAD_REQUEST and changes nothing", async () => {
    const order = await place(1, {
      lines: [
        {
          sku: "TV",
          name: "TV",
          quantity: 3,
          unitPrice: 50000,
          taxRate: 19,
          isQuantitySplittable: false,
          shipment: "home",
        },
      ],
    });
    const token = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.trigger",
      {
        reference: order.reference,
        event: "pay",
        target: { items: [{ id: order.items[0]!.id, quantity: 1 }] },
      },
      { token },
    );
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/not splittable/);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      order.version,
    );
  });

  it("a dry run reports what would move and changes nothing", async () => {
    const order = await place(2);
    const backoffice = await clientAs("backoffice");
    const dry = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
      dryRun: true,
    });
    expect(dry.moved).toHaveLength(2);
    expect(dry.order.version).toBe(order.version);
    expect(dry.order.itemStates).toEqual(order.itemStates);
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.some((h) => h.event === "pay")).toBe(false);
  });

  it("a replayed idempotencyKey returns the first result without applying twice", async () => {
    const order = await place(2);
    const backoffice = await clientAs("backoffice");
    const input = {
      reference: order.reference,
      event: "pay" as const,
      target: { all: true as const },
      idempotencyKey: "pay-once",
    };
    const first = await backoffice.orders.trigger.mutate(input);
    const again = await backoffice.orders.trigger.mutate(input);
    expect(again.moved).toEqual(first.moved);
    expect(again.order.version).toBe(first.order.version);
    const token = await tokenFor("backoffice", "backoffice-1");
    const conflict = await call("orders.trigger", { ...input, event: "cancel" }, { token });
    expect(conflict.status).toBe(409);
  });

  it("50 concurrent triggers on one order serialize: no lost update, gap-free history", async () => {
    const order = await place(50);
    const backoffice = await clientAs("backoffice");
    const results = await Promise.all(
      order.items.map((item) =>
        backoffice.orders.trigger.mutate({
          reference: order.reference,
          event: "pay",
          target: { items: [{ id: item.id }] },
        }),
      ),
    );
    expect(new Set(results.map((r) => r.order.version)).size).toBe(50);
    const final = await backoffice.orders.get.query({ reference: order.reference });
    expect(final.itemStates).toEqual({ paid: 100 });
    const history = await expectGapFreeHistory(order.reference);
    expect(history.filter((h) => h.event === "pay")).toHaveLength(50);
  });
});

describe("orders.events", () => {
  it("lists the manual events each item accepts now, with its shipment", async () => {
    const order = await place(1);
    const backoffice = await clientAs("backoffice");
    const events = await backoffice.orders.events.query({ reference: order.reference });
    expect(events).toEqual([
      {
        itemId: order.items[0]!.id,
        shipmentId: order.shipments[0]!.id,
        state: "payment-pending",
        events: expect.arrayContaining(["pay", "cancel"]),
      },
    ]);
    expect(events[0]?.events).not.toContain("ship");
  });
});

describe("timers", () => {
  it("the payment timeout fires on the alarm, exactly at its due time, and survives eviction", async () => {
    const order = await place(2);
    const stub = env.ORDERS.getByName(order.reference);
    const placedAt = Date.parse(order.placedAt);
    const due = placedAt + DAY;
    await evictDurableObject(stub);
    // The cancellation window (30 min) fires first, then the payment timeout.
    await setClock(order.reference, due - 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).itemStates).toEqual({
      "payment-pending": 4,
    });
    await setClock(order.reference, due);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.itemStates).toEqual({ invalid: 4 });
    const history = await expectGapFreeHistory(order.reference);
    const fired = history.find((h) => h.type === "timer" && h.to === "invalid");
    // Items whose timers fall due together move in one timer entry.
    expect(fired).toMatchObject({
      actor: "timer",
      at: new Date(due).toISOString(),
      itemIds: order.items.map((i) => i.id),
    });
    // A duplicate or late alarm changes nothing.
    await runDurableObjectAlarm(stub);
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      after.version,
    );
  });

  it("due timers fire before any command, even when the alarm has not run", async () => {
    const order = await place(1);
    const due = Date.parse(order.placedAt) + DAY;
    await setClock(order.reference, due);
    const token = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.trigger",
      { reference: order.reference, event: "pay", target: { all: true } },
      { token },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.message).toMatch(/invalid/);
    await setClock(order.reference, Date.now());
  });

  it("a payment 1 ms before the timeout wins, and leaving the state cancels the timer", async () => {
    const order = await place(1);
    const stub = env.ORDERS.getByName(order.reference);
    const due = Date.parse(order.placedAt) + DAY;
    await setClock(order.reference, due - 1);
    const backoffice = await clientAs("backoffice");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    expect(paid.order.itemStates).toEqual({ paid: 2 });
    await setClock(order.reference, due + DAY);
    await runDurableObjectAlarm(stub);
    expect((await backoffice.orders.get.query({ reference: order.reference })).itemStates).toEqual({
      paid: 2,
    });
  });
});

describe("processes", () => {
  it("lists every process version with states, flags, manual events and a Mermaid diagram", async () => {
    const backoffice = await clientAs("backoffice");
    const processes = await backoffice.processes.list.query({});
    expect(processes.map((p) => p.id)).toEqual(["payment@1", "no-payment@1", "payment@2"]);
    // By name alone: the newest version.
    expect((await backoffice.processes.get.query({ name: "payment" })).version).toBe(2);
    const payment = await backoffice.processes.get.query({ name: "payment@1" });
    expect(payment.version).toBe(1);
    expect(payment.mermaid.startsWith("stateDiagram-v2")).toBe(true);
    expect(payment.states.find((s) => s.name === "payment-pending")).toMatchObject({
      display: "payment pending",
      flags: expect.arrayContaining(["cancellable", "reserved"]),
      manualEvents: expect.arrayContaining(["pay", "cancel"]),
    });
    await expect(backoffice.processes.get.query({ name: "nope" })).rejects.toThrow(/no process/);
  });

  it("finds a process by the name@version an order shows", async () => {
    const order = await place(1);
    const backoffice = await clientAs("backoffice");
    const process = await backoffice.processes.get.query({ name: order.process });
    expect(process).toMatchObject({ id: "payment@1", name: "payment", version: 1 });
    expect((await backoffice.processes.get.query({ name: "no-payment@1", version: 1 })).id).toBe(
      "no-payment@1",
    );
    const token = await tokenFor("backoffice", "ops");
    const missing = await call("processes.get", { name: "payment@9" }, { token, method: "GET" });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toBe(
      "no process payment@9 (registered: payment@1, no-payment@1, payment@2)",
    );
    const clash = await call(
      "processes.get",
      { name: "payment@1", version: 2 },
      { token, method: "GET" },
    );
    expect(clash.status).toBe(400);
    expect(clash.body.error?.message).toBe("version: is 2, but name says payment@1");
  });
});

describe("event names", () => {
  it("an event no registered process knows is BAD_REQUEST listing the events, and changes nothing", async () => {
    const order = await place(1);
    const token = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.trigger",
      { reference: order.reference, event: "pya", target: { all: true } },
      { token },
    );
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^event: Invalid option: expected one of "pay"\|/);
    expect(res.body.error?.data.issues?.[0]?.path).toEqual(["event"]);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      order.version,
    );
  });
});
