import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { ImportReport } from "../../src/domain/import";
import type { OrderObject } from "../../src/durable/order-object";
import { clientAs, erpRequest, flakyD1, orderInput } from "../helpers";

async function send(body: unknown, key: string) {
  const res = await exports.default.fetch(await erpRequest(body, key));
  return { status: res.status, body: (await res.json()) as { ok: boolean; report?: ImportReport } };
}

describe("the ERP webhook orders.events.import", () => {
  it("applies a signed import, answers with the report, and gives every replay the first report", async () => {
    const checkout = await clientAs("checkout", "shop");
    const a = await checkout.orders.place.mutate(orderInput());
    const b = await checkout.orders.place.mutate(orderInput());
    const body = {
      type: "orders.events.import",
      importId: "erp-import-1",
      rows: [
        { order: { reference: a.reference }, event: "pay" },
        { order: { reference: b.reference }, item: { sku: "SKU-1" }, event: "pay", quantity: 1 },
        { order: { reference: b.reference }, item: { sku: "SKU-1" }, event: "ship" },
      ],
    };
    const first = await send(body, "delivery-1");
    expect(first.status).toBe(200);
    expect(first.body.report?.rows.map((r) => r.status)).toEqual(["applied", "applied", "skipped"]);

    // The ERP sends it again (another delivery of the same import): the same report, no change.
    const again = await send(body, "delivery-2");
    expect(again).toEqual(first);
    const backoffice = await clientAs("backoffice");
    const history = await backoffice.orders.history.query({ reference: b.reference });
    expect(history.filter((h) => h.type === "event").map((h) => [h.event, h.actor])).toEqual([
      ["pay", "erp"],
    ]);
    expect((await backoffice.orders.get.query({ reference: b.reference })).itemStates).toEqual({
      "payment-pending": 3,
      paid: 1,
    });

    // The same import id with other rows is refused like a webhook id reused with another body.
    const other = await send({ ...body, rows: body.rows.slice(0, 1) }, "delivery-3");
    expect(other.status).toBe(422);
  });

  it("a row by a custom reference its order gave up while D1 still lists it there is unknown-order and changes nothing", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(
      orderInput({ customOrderReference: "PO-HOOK-OLD" }),
    );
    const listedUnder = (custom: string) =>
      env.DB.prepare("SELECT reference FROM orders WHERE custom_order_reference = ?")
        .bind(custom)
        .first<{ reference: string }>();
    await vi.waitFor(async () =>
      expect(await listedUnder("PO-HOOK-OLD")).toEqual({ reference: order.reference }),
    );
    const stub = env.ORDERS.getByName(order.reference);
    const { db } = flakyD1(env.DB);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = db; // the projection of the change below cannot land: D1 lags
    });
    try {
      const backoffice = await clientAs("backoffice");
      const changed = await backoffice.orders.setCustomReference.mutate({
        reference: order.reference,
        customOrderReference: "PO-HOOK-NEW",
      });
      expect(await listedUnder("PO-HOOK-OLD")).toEqual({ reference: order.reference });
      const res = await send(
        {
          type: "orders.events.import",
          importId: "erp-import-gone",
          rows: [{ order: { customOrderReference: "PO-HOOK-OLD" }, event: "pay" }],
        },
        "delivery-gone",
      );
      expect(res.status).toBe(200);
      expect(res.body.report?.rows).toEqual([
        {
          index: 0,
          status: "unknown-order",
          orderReference: order.reference,
          message: "order.customOrderReference: the order no longer has this reference",
        },
      ]);
      const after = await backoffice.orders.get.query({ reference: order.reference });
      expect(after.version).toBe(changed.version);
      expect(after.itemStates).toEqual(changed.itemStates);
    } finally {
      await runInDurableObject(stub, (o: OrderObject) => {
        o.seam.db = env.DB;
      });
    }
  });

  it("a bad import body is 400 naming the field", async () => {
    const res = await send({ type: "orders.events.import", rows: [] }, "bad-import");
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("importId");
  });
});
