import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, flakyD1, orderInput, tokenFor, triggerAll } from "../helpers";

async function placeMany(n: number, customer: string) {
  const checkout = await clientAs("checkout", "shop");
  return Promise.all(
    Array.from({ length: n }, () =>
      checkout.orders.place.mutate(
        orderInput({
          customer: {
            reference: customer,
            email: `${customer}@example.com`,
            firstName: "F",
            lastName: "F",
          },
        }),
      ),
    ),
  );
}

describe("faults: nothing is lost or duplicated", () => {
  it("D1 down for a while: orders keep taking events, then D1 catches up and equals every order's view", async () => {
    const orders = await placeMany(5, "outage");
    const { db, state } = flakyD1(env.DB);
    for (const o of orders)
      await runInDurableObject(env.ORDERS.getByName(o.reference), (obj: OrderObject) => {
        obj.projectionDb = db;
      });
    const backoffice = await clientAs("backoffice");
    for (const o of orders) await triggerAll(o.reference, ["pay", "confirm"]);

    state.down = false;
    for (const o of orders) {
      const stub = env.ORDERS.getByName(o.reference);
      await runInDurableObject(stub, (obj: OrderObject) => {
        obj.clock = () => Date.now() + 10 * 60_000;
      });
      await runDurableObjectAlarm(stub);
      await runInDurableObject(stub, (obj: OrderObject) => {
        obj.clock = Date.now;
      });
    }
    const listed = await backoffice.orders.list.query({ customerReference: "outage", limit: 100 });
    expect(listed.orders).toHaveLength(5);
    for (const summary of listed.orders) {
      const view = await backoffice.orders.get.query({ reference: summary.reference });
      expect(summary).toMatchObject({
        version: view.version,
        itemStates: view.itemStates,
        grandTotal: view.totals.grandTotal,
        customOrderReference: view.customOrderReference,
      });
      expect(view.itemStates).toEqual({ confirmed: 4 });
    }
  });

  it("the alarm handler throws: it reschedules itself, and due timers still fire exactly once", async () => {
    const [order] = await placeMany(1, "alarm-fault");
    const stub = env.ORDERS.getByName(order!.reference);
    const due = Date.parse(order!.cancellableUntil);
    await runInDurableObject(stub, (obj: OrderObject) => {
      let calls = 0;
      obj.clock = () => {
        calls += 1;
        if (calls === 1) throw new Error("injected fault in the alarm");
        return due;
      };
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const afterFault = await runInDurableObject(stub, (_obj: OrderObject, state) =>
      state.storage.getAlarm(),
    );
    expect(afterFault).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runDurableObjectAlarm(stub);
    const backoffice = await clientAs("backoffice");
    const history = await backoffice.orders.history.query({ reference: order!.reference });
    expect(history.filter((h) => h.type === "cancellation-window-closed")).toHaveLength(1);
    expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
  });

  it("evicted between scheduling and due time, a timer fires after the restart", async () => {
    const [order] = await placeMany(1, "evicted");
    const stub = env.ORDERS.getByName(order!.reference);
    await evictDurableObject(stub);
    await runInDurableObject(stub, (obj: OrderObject) => {
      obj.clock = () => Date.parse(order!.cancellableUntil);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const backoffice = await clientAs("backoffice");
    const view = await backoffice.orders.get.query({ reference: order!.reference });
    expect(view.cancellationWindowClosedAt).toBe(order!.cancellableUntil);
  });

  it("200 concurrent commands over 20 orders with idempotency-key replays: gap-free histories, nothing applied twice", async () => {
    const orders = await placeMany(20, "storm");
    const token = await tokenFor("backoffice", "storm");
    for (const o of orders) await triggerAll(o.reference, ["pay", "confirm"]);
    // Random commands, with keys drawn from a small pool so that many are replays.
    const [commands = []] = fc.sample(
      fc.array(fc.record({ order: fc.nat(19), item: fc.nat(1), key: fc.nat(30) }), {
        minLength: 200,
        maxLength: 200,
      }),
      { numRuns: 1 },
    );
    const responses = await Promise.all(
      commands.map(({ order, item, key }) => {
        const o = orders[order]!;
        return call(
          "orders.trigger",
          {
            reference: o.reference,
            event: "invoice-generate",
            target: { items: [{ id: o.items[item]!.id }] },
            idempotencyKey: `storm-${key}-${item}`,
          },
          { token },
        );
      }),
    );
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const backoffice = await clientAs("backoffice");
    for (const [index, o] of orders.entries()) {
      const history = await backoffice.orders.history.query({ reference: o.reference });
      expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
      const view = await backoffice.orders.get.query({ reference: o.reference });
      expect(history.at(-1)?.seq).toBe(view.version);
      // Each distinct key was applied exactly once, however often it was replayed.
      const distinct = new Set(
        commands.filter((c) => c.order === index).map((c) => `${c.key}-${c.item}`),
      );
      const applied = history.filter((h) => h.type === "event" && h.event === "invoice-generate");
      expect(applied).toHaveLength(distinct.size);
      // An invoice was asked for if any event asked; until one is issued every request asks
      // again (issuing is idempotent per order), after that they are skipped.
      const requested = history.filter((h) => h.event === "generateInvoice" && !h.data?.skipped);
      expect(requested.length > 0).toBe(distinct.size > 0);
      expect(requested.slice(1).every((h) => h.data?.reissued === true)).toBe(true);
    }
  });
});
