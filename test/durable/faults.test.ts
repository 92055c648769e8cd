import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import {
  call,
  clientAs,
  effectsOf,
  entriesOf,
  flakyD1,
  orderInput,
  settled,
  tokenFor,
  triggerAll,
} from "../helpers";
import { seeded } from "../seed";

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
        obj.seam.db = db;
      });
    const backoffice = await clientAs("backoffice");
    for (const o of orders) await triggerAll(o.reference, ["pay", "confirm"]);

    // The outage was seen: every projection failed at least once, and D1 still has the order as
    // placed, while the objects have moved on.
    for (const o of orders) {
      const stub = env.ORDERS.getByName(o.reference);
      await vi.waitFor(async () => {
        const projection = (await effectsOf(stub)).find((e) => e.kind === "projection");
        expect(projection?.attempts).toBeGreaterThanOrEqual(1);
        expect(projection?.lastError).toContain("D1 is unavailable");
      });
      const row = await env.DB.prepare(
        "SELECT version, item_states FROM orders WHERE reference = ?",
      )
        .bind(o.reference)
        .first<{ version: number; item_states: string }>();
      expect(row?.version ?? 0).toBeLessThan(
        (await backoffice.orders.get.query({ reference: o.reference })).version,
      );
    }

    state.down = false;
    for (const o of orders) {
      const stub = env.ORDERS.getByName(o.reference);
      await runInDurableObject(stub, (obj: OrderObject) => {
        obj.seam.clock = () => Date.now() + 10 * 60_000;
      });
      await runDurableObjectAlarm(stub);
      await runInDurableObject(stub, (obj: OrderObject) => {
        obj.seam.clock = Date.now;
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

  it("evicted between scheduling and due time, a timer fires after the restart", async () => {
    const [order] = await placeMany(1, "evicted");
    const stub = env.ORDERS.getByName(order!.reference);
    await evictDurableObject(stub);
    await runInDurableObject(stub, (obj: OrderObject) => {
      obj.seam.clock = () => Date.parse(order!.cancellableUntil);
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
      { numRuns: 1, ...seeded("200 concurrent commands") },
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
      // The invoice consumer appends to the history on its own: compare once it is done.
      await settled(o.reference);
      const history = entriesOf(await backoffice.orders.history.query({ reference: o.reference }));
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
