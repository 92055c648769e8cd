import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderView } from "../../src/domain/order-view";
import type { OrderObject } from "../../src/durable/order-object";
import { clientAs, orderInput } from "../helpers";

const setClock = (reference: string, at: number) =>
  runInDurableObject(env.ORDERS.getByName(reference), (o: OrderObject) => {
    o.seam.clock = () => at;
  });

describe("orders.at and orders.diff", () => {
  it("shows the order as it was at every version, with the process it ran on then", async () => {
    const checkout = await clientAs("checkout", "shop");
    const backoffice = await clientAs("backoffice");
    const t0 = Date.now();
    const placed = await checkout.orders.place.mutate(
      orderInput({ paymentMethod: "prepayment" }, 2),
    );
    const { reference } = placed;
    const seen: OrderView[] = [placed];
    const [first, second] = placed.items;
    await setClock(reference, t0 + 60_000);
    seen.push(
      (
        await backoffice.orders.trigger.mutate({
          reference,
          event: "pay",
          target: { items: [{ id: first!.id, quantity: 1 }] },
        })
      ).order,
    );
    await setClock(reference, t0 + 120_000);
    seen.push(
      await backoffice.shipments.create.mutate({
        reference,
        address: placed.billingAddress,
        method: { id: "express", name: "Express", price: 0 },
        items: [{ id: second!.id }],
      }),
    );
    await setClock(reference, t0 + 180_000);
    seen.push(
      (
        await backoffice.orders.trigger.mutate({
          reference,
          event: "cancel",
          target: { items: [{ id: second!.id }] },
        })
      ).order,
    );
    await setClock(reference, t0 + 240_000);
    const identity = {
      new: "new",
      "payment-pending": "payment-pending",
      paid: "paid",
      cancelled: "cancelled",
    };
    const moved = await runInDurableObject(env.ORDERS.getByName(reference), (o: OrderObject) =>
      o.migrateProcess(
        {
          migrationId: "at-test",
          from: "payment@1",
          to: "payment@2",
          stateMap: identity,
          dryRun: false,
        },
        { type: "user", role: "backoffice", sub: "at-test" },
      ),
    );
    expect(moved).toMatchObject({ ok: true, migration: { outcome: "moved" } });
    seen.push(await backoffice.orders.get.query({ reference }));

    for (const view of seen)
      expect(await backoffice.orders.at.query({ reference, version: view.version })).toEqual(view);
    // The placement made two versions (placed, the confirmation's command): both show it.
    expect(placed.version).toBe(2);
    expect(await backoffice.orders.at.query({ reference, version: 1 })).toEqual({
      ...placed,
      version: 1,
    });
    expect(seen.map((v) => v.process)).toEqual([
      "payment@1",
      "payment@1",
      "payment@1",
      "payment@1",
      "payment@2",
    ]);

    const diff = await backoffice.orders.diff.query({
      reference,
      from: placed.version,
      to: seen.at(-1)!.version,
    });
    expect(diff.from).toMatchObject({ version: placed.version, process: "payment@1" });
    expect(diff.to).toMatchObject({ process: "payment@2" });
    expect(diff.items).toEqual(
      expect.arrayContaining([
        {
          id: first!.id,
          sku: "SKU-1",
          before: { state: "payment-pending", quantity: 2, shipmentId: "S1" },
          after: { state: "payment-pending", quantity: 1, shipmentId: "S1" },
        },
        {
          id: second!.id,
          sku: "SKU-2",
          before: { state: "payment-pending", quantity: 2, shipmentId: "S1" },
          after: { state: "cancelled", quantity: 2, shipmentId: "S2" },
        },
      ]),
    );
    expect(diff.items.find((i) => i.before === null)?.after).toEqual({
      state: "paid",
      quantity: 1,
      shipmentId: "S1",
    });
    expect(diff.shipments).toEqual(
      expect.arrayContaining([{ id: "S2", change: "added", fields: [] }]),
    );
    expect(diff.money.find((m) => m.total === "canceledTotal")).toMatchObject({ before: 0 });
    expect(diff.money.find((m) => m.total === "canceledTotal")?.after).toBeGreaterThan(0);

    await expect(
      backoffice.orders.at.query({ reference, version: seen.at(-1)!.version + 1 }),
    ).rejects.toThrow(/version: the order is at version/);
    await expect(backoffice.orders.diff.query({ reference, from: 3, to: 2 })).rejects.toThrow(
      /to.*must not be before from/s,
    );
  });

  it("an order older than the version log can be seen from the version it was upgraded at", async () => {
    const checkout = await clientAs("checkout", "shop");
    const backoffice = await clientAs("backoffice");
    const placed = await checkout.orders.place.mutate(
      orderInput({ paymentMethod: "prepayment" }, 1),
    );
    const { reference } = placed;
    const paid = await backoffice.orders.trigger.mutate({
      reference,
      event: "pay",
      target: { all: true },
    });
    // As an object created at schema version 7 (no meta, no version log) would be.
    const stub = env.ORDERS.getByName(reference);
    await runInDurableObject(stub, (_o: OrderObject, state) => {
      state.storage.sql.exec("DROP TABLE order_versions");
    });
    await evictDurableObject(stub);
    expect(await backoffice.orders.at.query({ reference, version: paid.order.version })).toEqual(
      await backoffice.orders.get.query({ reference }),
    );
    await expect(backoffice.orders.at.query({ reference, version: 1 })).rejects.toThrow(
      /older than this order's version log/,
    );
    const confirmed = await backoffice.orders.trigger.mutate({
      reference,
      event: "confirm",
      target: { all: true },
    });
    expect(
      await backoffice.orders.at.query({ reference, version: confirmed.order.version }),
    ).toEqual(confirmed.order);
  });
});
