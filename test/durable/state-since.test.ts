import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientAs, orderInput, placeAt, setClockOf } from "../helpers";

const DAY = 24 * 60 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
// Ahead of the real time, so the objects' alarms never come due while their clocks are moved.
const future = (day: number) => (Math.floor(Date.now() / DAY) + 30 + day) * DAY + 8 * 3_600_000;

describe("time in state (stateSince)", () => {
  it("placement, events and timers stamp when an item enters its state; splits, moves and self-transitions keep it", async () => {
    const t0 = future(0);
    const order = await placeAt(t0, orderInput({}, 1));
    const reference = order.reference;
    const [item] = order.items;
    expect(order.placedAt).toBe(iso(t0));
    expect(item).toMatchObject({ quantity: 2, state: "payment-pending", stateSince: iso(t0) });

    const backoffice = await clientAs("backoffice");
    await setClockOf(reference, t0 + 60_000);
    const paid = await backoffice.orders.trigger.mutate({
      reference,
      event: "pay",
      target: { items: [{ id: item!.id, quantity: 1 }] },
    });
    const part = paid.order.items.find((i) => i.state === "paid")!;
    expect(part.stateSince).toBe(iso(t0 + 60_000));
    // The rest of the split item still waits where it was, since placement.
    expect(paid.order.items.find((i) => i.id === item!.id)?.stateSince).toBe(iso(t0));

    await setClockOf(reference, t0 + 120_000);
    await backoffice.orders.trigger.mutate({
      reference,
      event: "confirm",
      target: { items: [{ id: part.id }] },
    });
    // invoice-generate keeps a confirmed item confirmed: its clock does not restart.
    await setClockOf(reference, t0 + 180_000);
    const invoiced = await backoffice.orders.trigger.mutate({
      reference,
      event: "invoice-generate",
      target: { items: [{ id: part.id }] },
    });
    expect(invoiced.moved).toEqual([
      { itemId: part.id, from: "confirmed", to: "confirmed", quantity: 1 },
    ]);
    expect(invoiced.order.items.find((i) => i.id === part.id)?.stateSince).toBe(iso(t0 + 120_000));

    // Moving the item to another shipment changes where it goes, not how long it has waited.
    const moved = await backoffice.shipments.create.mutate({
      reference,
      address: order.billingAddress,
      method: { id: "express", name: "Express", price: 0 },
      items: [{ id: item!.id }],
    });
    expect(moved.items.find((i) => i.id === item!.id)).toMatchObject({
      shipmentId: "S2",
      stateSince: iso(t0),
    });

    // The payment timeout fires at its due time, and that is when the item became invalid,
    // however late the object noticed.
    await setClockOf(reference, t0 + 3 * DAY);
    const timedOut = await backoffice.orders.get.query({ reference });
    expect(timedOut.items.find((i) => i.id === item!.id)).toMatchObject({
      state: "invalid",
      stateSince: iso(t0 + DAY),
    });

    // Stored, not computed from memory: the same after a restart.
    await evictDurableObject(env.ORDERS.getByName(reference));
    await setClockOf(reference, t0 + 3 * DAY);
    const reloaded = await backoffice.orders.get.query({ reference });
    expect(reloaded.items.map((i) => [i.id, i.state, i.stateSince])).toEqual(
      timedOut.items.map((i) => [i.id, i.state, i.stateSince]),
    );
    await setClockOf(reference, null);
  });

  it("an order stored before items kept their time gets it from its history", async () => {
    const t0 = future(1);
    const order = await placeAt(t0, orderInput({}, 2));
    const reference = order.reference;
    const backoffice = await clientAs("backoffice");
    await setClockOf(reference, t0 + 5_000);
    await backoffice.orders.trigger.mutate({
      reference,
      event: "pay",
      target: { items: [{ id: order.items[0]!.id }] },
    });
    await setClockOf(reference, t0 + 9_000);
    await backoffice.orders.trigger.mutate({ reference, event: "confirm", target: { all: true } });
    await setClockOf(reference, t0 + 12_000);
    await backoffice.orders.trigger.mutate({
      reference,
      event: "invoice-generate",
      target: { all: true },
    });

    // Turn the object back into one of schema version 3: no state_since column.
    const stub = env.ORDERS.getByName(reference);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec(`ALTER TABLE items DROP COLUMN state_since`);
      // Objects of that time kept their schema version in `meta` (new ones have none).
      state.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      );
      state.storage.sql.exec(
        `INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '3')`,
      );
    });
    await evictDurableObject(stub);
    await setClockOf(reference, t0 + 20_000);
    const migrated = await backoffice.orders.get.query({ reference });
    expect(migrated.items.map((i) => [i.state, i.stateSince])).toEqual([
      ["confirmed", iso(t0 + 9_000)],
      ["payment-pending", iso(t0)],
    ]);
    await setClockOf(reference, null);
  });
});
