import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { clientAs, flakyD1, orderInput, sendErp, triggerAll } from "../helpers";

const send = (body: unknown, id: string) => sendErp(body, id);

const projected = async (reference: string) =>
  env.DB.prepare("SELECT version, custom_order_reference AS ref FROM orders WHERE reference = ?")
    .bind(reference)
    .first<{ version: number; ref: string | null }>();

async function readyToShip(customOrderReference?: string) {
  const checkout = await clientAs("checkout", "shop");
  const order = await checkout.orders.place.mutate(
    orderInput(customOrderReference ? { customOrderReference } : {}),
  );
  const backoffice = await clientAs("backoffice");
  await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
  await triggerAll(order.reference, ["pay", "confirm"]);
  const ready = await backoffice.orders.get.query({ reference: order.reference });
  await vi.waitFor(async () =>
    expect((await projected(order.reference))?.version).toBe(ready.version),
  );
  return ready;
}

const ship = (order: object) => ({
  type: "order.items.event",
  order,
  event: "ship",
  target: { all: true },
});

describe("webhook-id is the idempotency key of the whole service", () => {
  it("(a) an id used for one order and replayed with a body for another is 422 and changes nothing", async () => {
    const e1 = await readyToShip();
    const e2 = await readyToShip();
    expect((await send(ship({ reference: e1.reference }), "a-1")).status).toBe(200);
    expect((await send(ship({ reference: e2.reference }), "a-1")).status).toBe(422);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: e2.reference })).version).toBe(
      e2.version,
    );
  });

  it("(b) a custom reference the order no longer has (D1 lagging) is 404 and changes nothing", async () => {
    const order = await readyToShip("PO-B-OLD");
    const stub = env.ORDERS.getByName(order.reference);
    const { db } = flakyD1(env.DB);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = db; // the projection of the change below cannot land: D1 lags
    });
    const backoffice = await clientAs("backoffice");
    const changed = await backoffice.orders.setCustomReference.mutate({
      reference: order.reference,
      customOrderReference: "PO-B-NEW",
    });
    expect((await projected(order.reference))?.ref).toBe("PO-B-OLD");
    const res = await send(ship({ customOrderReference: "PO-B-OLD" }), "b-1");
    expect(res.status).toBe(404);
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.version).toBe(changed.version);
    expect(after.itemStates).toEqual(changed.itemStates);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = env.DB;
    });
  });

  it("(c) a replay gets its first answer: 404 stays 404 after the reference appears", async () => {
    const body = ship({ customOrderReference: "PO-C-LATER" });
    expect((await send(body, "c-1")).status).toBe(404);
    const order = await readyToShip("PO-C-LATER");
    expect((await send(body, "c-1")).status).toBe(404);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      order.version,
    );
  });

  it("a replay of a reference change answers its first 200 after the projection moved the reference", async () => {
    const order = await readyToShip("PO-D-OLD");
    const body = {
      type: "order.custom-reference.set",
      order: { customOrderReference: "PO-D-OLD" },
      customOrderReference: "PO-D-NEW",
    };
    const first = await send(body, "d-1");
    expect(first.status).toBe(200);
    await vi.waitFor(async () => expect((await projected(order.reference))?.ref).toBe("PO-D-NEW"));
    expect(await send(body, "d-1")).toEqual(first);
  });

  it("ten concurrent sends of one webhook apply once and all get the same answer", async () => {
    const order = await readyToShip();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send(ship({ reference: order.reference }), "e-1")),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(200);
    const backoffice = await clientAs("backoffice");
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.event === "ship")).toHaveLength(1);
  });

  it("a request that died before its answer was recorded is retried on the order it had found", async () => {
    const a = await readyToShip("PO-F-1");
    const body = ship({ customOrderReference: "PO-F-1" });
    const first = await send(body, "f-1");
    expect(first.status).toBe(200);
    // The answer's write is lost (the worker died after the order applied the command) ...
    await env.DB.prepare(
      "UPDATE erp_webhook_receipts SET status = NULL, response = NULL WHERE id = 'f-1'",
    ).run();
    // ... and the reference moved to another order since.
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.setCustomReference.mutate({
      reference: a.reference,
      customOrderReference: "PO-F-2",
    });
    const b = await readyToShip("PO-F-1");
    await vi.waitFor(async () => expect((await projected(a.reference))?.ref).toBe("PO-F-2"));

    // The order object answers from its own record of the id: the first outcome, the order now.
    const again = await send(body, "f-1");
    expect(again.status).toBe(200);
    expect(again.body.order).toMatchObject({ reference: a.reference, itemStates: { shipped: 4 } });
    expect((await backoffice.orders.get.query({ reference: b.reference })).version).toBe(b.version);
    const history = await backoffice.orders.history.query({ reference: a.reference });
    expect(history.filter((h) => h.event === "ship")).toHaveLength(1);
  });
});
