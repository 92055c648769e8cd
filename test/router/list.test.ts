import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { clientAs, effectsOf, flakyD1, orderInput } from "../helpers";

const customer = (reference: string) => ({
  reference,
  email: `${reference}@example.com`,
  firstName: "C",
  lastName: "C",
});

async function projectedVersion(reference: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
    .bind(reference)
    .first<{ version: number }>();
  return row?.version ?? null;
}

describe("the D1 projection", () => {
  it("reaches D1 after placement and follows every change, version-guarded", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ customer: customer("dora") }));
    await vi.waitFor(async () =>
      expect(await projectedVersion(order.reference)).toBe(order.version),
    );

    const backoffice = await clientAs("backoffice");
    const { orders } = await backoffice.orders.list.query({ customerReference: "dora" });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      reference: order.reference,
      customerReference: "dora",
      grandTotal: order.totals.grandTotal,
      currency: "EUR",
      itemStates: order.itemStates,
      isCancellable: true,
      version: order.version,
    });

    // A changed custom reference follows, and the old one no longer finds the order.
    const renamed = await backoffice.orders.setCustomReference.mutate({
      reference: order.reference,
      customOrderReference: "PO-DORA-2",
    });
    await vi.waitFor(async () =>
      expect(await projectedVersion(order.reference)).toBe(renamed.version),
    );
    const byNew = await backoffice.orders.list.query({ customOrderReference: "PO-DORA-2" });
    expect(byNew.orders.map((o) => o.reference)).toEqual([order.reference]);
    expect(byNew.orders[0]?.version).toBe(renamed.version);

    // A late, older write does not overwrite the newer row.
    await env.DB.prepare(
      "INSERT INTO orders (reference, customer_reference, state, item_states, grand_total, currency, placed_at, updated_at, cancellable_until, items_cancellable, version) VALUES (?, 'dora', 'x', '{}', 0, 'EUR', '2000-01-01', '2000-01-01', '2000-01-01', 0, 0) ON CONFLICT (reference) DO UPDATE SET state = 'x' WHERE excluded.version > orders.version",
    )
      .bind(order.reference)
      .run();
    expect(await projectedVersion(order.reference)).toBe(renamed.version);
  });

  it("survives a D1 outage: commands go on, the alarm retries, D1 converges", async () => {
    const checkout = await clientAs("checkout", "shop");
    const backoffice = await clientAs("backoffice");
    const order = await checkout.orders.place.mutate(orderInput({ customer: customer("erin") }));
    await vi.waitFor(async () =>
      expect(await projectedVersion(order.reference)).toBe(order.version),
    );
    const stub = env.ORDERS.getByName(order.reference);
    const { db, state } = flakyD1(env.DB);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = db;
    });

    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    expect(paid.order.version).toBeGreaterThan(order.version);
    await vi.waitFor(async () => {
      const outbox = await effectsOf(stub);
      expect(outbox.find((r) => r.kind === "projection")?.attempts).toBeGreaterThanOrEqual(1);
    });
    expect(await projectedVersion(order.reference)).toBe(order.version);

    // D1 is back; the retry is due later, so move the object's clock past the backoff.
    state.down = false;
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = () => Date.now() + 10 * 60_000;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await projectedVersion(order.reference)).toBe(paid.order.version);
    expect((await effectsOf(stub)).filter((r) => r.kind === "projection")).toEqual([]);
    const { orders } = await backoffice.orders.list.query({ customerReference: "erin" });
    expect(orders[0]?.itemStates).toEqual(paid.order.itemStates);
  });
});

describe("orders.list", () => {
  it("paginates with a cursor, newest first, and filters by customer, reference and state", async () => {
    const checkout = await clientAs("checkout", "shop");
    const placed = [];
    for (let i = 0; i < 5; i++)
      placed.push(
        await checkout.orders.place.mutate(
          orderInput({ customer: customer("frank"), customOrderReference: `PO-${i}` }),
        ),
      );
    const backoffice = await clientAs("backoffice");
    await vi.waitFor(async () => {
      const { orders } = await backoffice.orders.list.query({
        customerReference: "frank",
        limit: 100,
      });
      expect(orders).toHaveLength(5);
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await backoffice.orders.list.query({
        customerReference: "frank",
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.orders.map((o) => o.reference));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(placed.map((o) => o.reference).sort());

    const byRef = await backoffice.orders.list.query({ customOrderReference: "PO-3" });
    expect(byRef.orders.map((o) => o.reference)).toEqual([placed[3]?.reference]);

    const pending = await backoffice.orders.list.query({
      customerReference: "frank",
      state: "payment-pending",
    });
    expect(pending.orders).toHaveLength(5);
    const shipped = await backoffice.orders.list.query({
      customerReference: "frank",
      state: "shipped",
    });
    expect(shipped.orders).toHaveLength(0);
  });

  it("a customer lists only its own orders, whatever filter it sends", async () => {
    const checkout = await clientAs("checkout", "shop");
    const mine = await checkout.orders.place.mutate(orderInput({ customer: customer("gina") }));
    await checkout.orders.place.mutate(orderInput({ customer: customer("hank") }));
    const gina = await clientAs("customer", "gina");
    await vi.waitFor(async () => {
      const { orders } = await gina.orders.list.query({});
      expect(orders.map((o) => o.reference)).toEqual([mine.reference]);
    });
    expect((await gina.orders.list.query({ customerReference: "hank" })).orders).toEqual([]);
  });

  it("a bad cursor is BAD_REQUEST", async () => {
    const backoffice = await clientAs("backoffice");
    await expect(backoffice.orders.list.query({ cursor: "garbage!" })).rejects.toThrow(/cursor/);
  });

  it("gives a page of up to 1,000 orders in one call, and names the limit past it", async () => {
    const checkout = await clientAs("checkout", "shop");
    const placed: string[] = [];
    for (let batch = 0; batch < 7; batch++)
      placed.push(
        ...(
          await Promise.all(
            Array.from({ length: 15 }, () =>
              checkout.orders.place.mutate(orderInput({ customer: customer("wide") })),
            ),
          )
        ).map((o) => o.reference),
      );
    const backoffice = await clientAs("backoffice");
    await vi.waitFor(
      async () => {
        const page = await backoffice.orders.list.query({ customerReference: "wide", limit: 1000 });
        expect(page.orders.map((o) => o.reference).sort()).toEqual([...placed].sort());
        expect(page.nextCursor).toBeNull();
      },
      { timeout: 10_000 },
    );
    const refused = await backoffice.orders.list
      .query({ customerReference: "wide", limit: 1001 })
      .catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/limit/);
  });
});
