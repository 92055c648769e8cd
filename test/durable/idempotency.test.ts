import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_TTL_MS } from "../../src/domain/idempotency";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, orderInput, settled, tokenFor } from "../helpers";

const records = (stub: DurableObjectStub<OrderObject>) =>
  runInDurableObject(stub, (_o, state) =>
    state.storage.sql
      .exec<{ key: string; size: number }>(`SELECT key, length(response) AS size FROM idempotency`)
      .toArray(),
  );

describe("idempotency records", () => {
  it("a replay of a 10,000-item event gets the first answer exactly, from a compact record", async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      sku: `SKU-${i}`,
      name: `Item ${i}`,
      quantity: 1,
      unitPrice: 100,
      taxRate: 19,
      isQuantitySplittable: true,
      shipment: "home",
    }));
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ lines }));
    const backoffice = await clientAs("backoffice", "replays");
    const request = {
      reference: order.reference,
      event: "pay",
      target: { all: true },
      idempotencyKey: "pay-everything",
    } as const;
    const first = await backoffice.orders.trigger.mutate(request);
    const replay = await backoffice.orders.trigger.mutate(request);
    expect(replay.moved).toEqual(first.moved);
    expect(replay.skipped).toEqual(first.skipped);
    expect(replay.order.version).toBe(first.order.version);
    const [record] = await records(env.ORDERS.getByName(order.reference));
    // 10,000 moves as [id, quantity] pairs: about 13 bytes each, far below the 2 MB value limit.
    expect(record?.size).toBeLessThan(200_000);
  });

  it("expire after 24 hours: the alarm prunes them, and the key may then be used anew", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    const stub = env.ORDERS.getByName(order.reference);
    const token = await tokenFor("backoffice", "keys");
    const set = (customOrderReference: string) =>
      call(
        "orders.setCustomReference",
        { reference: order.reference, customOrderReference, idempotencyKey: "ref-key" },
        { token },
      );
    expect((await set("PO-1")).status).toBe(200);
    // Within the day, the key belongs to that request: another body is a conflict.
    expect((await set("PO-2")).status).toBe(409);
    await settled(order.reference);
    const written = Date.now();

    // A day later the alarm prunes the record.
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = () => written + IDEMPOTENCY_TTL_MS + 1_000;
    });
    await runDurableObjectAlarm(stub);
    expect(await records(stub)).toEqual([]);
    const reused = await set("PO-2");
    expect(reused.status).toBe(200);
    expect(reused.body.result?.data).toMatchObject({ customOrderReference: "PO-2" });
  });
});
