import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImportRow } from "../../src/domain/import";
import type { OrderView } from "../../src/domain/view";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

async function placeOrders(n: number, tag: string, custom = (_i: number) => `PO-${tag}-${_i}`) {
  const checkout = await clientAs("checkout", "shop");
  const placed: OrderView[] = [];
  for (let i = 0; i < n; i += 10)
    placed.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, (_, j) =>
          checkout.orders.place.mutate(
            orderInput({
              customOrderReference: custom(i + j),
              customer: {
                reference: tag,
                email: `${tag}@example.com`,
                firstName: "I",
                lastName: "I",
              },
            }),
          ),
        ),
      )),
    );
  return placed;
}

/** Waits until D1 knows every order by its custom reference (rows may name orders by it). */
async function projected(orders: OrderView[]) {
  await expect
    .poll(async () => {
      const { results } = await env.DB.prepare(
        `SELECT COUNT(*) AS n FROM orders WHERE reference IN (SELECT value FROM json_each(?))`,
      )
        .bind(JSON.stringify(orders.map((o) => o.reference)))
        .all<{ n: number }>();
      return results[0]?.n;
    })
    .toBe(orders.length);
}

type Row = ImportRow | Record<string, unknown>;

/** Ten rows for one order: what a warehouse's file holds, right and wrong. */
function rowsFor(order: OrderView, i: number): Row[] {
  const reference = { reference: order.reference };
  const [first, second] = order.items;
  return [
    { order: reference, event: "pay" },
    { order: reference, event: "pay" },
    { order: { customOrderReference: `PO-bulk-${i}` }, item: { id: first!.id }, event: "confirm" },
    { order: reference, item: { sku: "SKU-2" }, event: "cancel", quantity: 1 },
    { order: reference, item: { sku: "SKU-2" }, event: "ship" },
    { order: reference, item: { id: "I99" }, event: "confirm" },
    { order: reference, item: { sku: "NOPE" }, event: "confirm" },
    { order: reference, event: "Not An Event" },
    { order: reference, event: "confirm", quantity: 1 },
    { order: reference, item: { id: second!.id }, event: "confirm", quantity: 5 },
  ];
}

describe("orders.importEvents", () => {
  it("a 1,000-row import over 100 orders reports per row, applies each order's rows in order, and is idempotent", async () => {
    const orders = await placeOrders(100, "bulk");
    await projected(orders);
    const perOrder = orders.map(rowsFor);
    // Interleaved as a file of status updates is: every order's first row, then every second...
    const rows = Array.from({ length: 10 }, (_, k) => perOrder.map((r) => r[k]!)).flat();
    expect(rows).toHaveLength(1000);
    const backoffice = await clientAs("backoffice", "warehouse");
    const report = await backoffice.orders.importEvents.mutate({
      importId: "bulk-1",
      rows: rows as ImportRow[],
    });

    expect(report.importId).toBe("bulk-1");
    expect(report.counts).toEqual({ applied: 300, skipped: 200, unknownOrder: 0, invalid: 500 });
    expect(report.rows.map((r) => r.index)).toEqual(rows.map((_, i) => i));
    const at = (k: number, i: number) => report.rows[k * 100 + i]!;
    for (const [i, order] of orders.entries()) {
      const reference = order.reference;
      expect(at(0, i)).toEqual({ index: i, status: "applied", orderReference: reference });
      expect(at(1, i)).toMatchObject({
        status: "skipped",
        orderReference: reference,
        states: [{ state: "paid", accepts: ["confirm", "cancel"] }],
      });
      expect(at(1, i).message).toContain("pay");
      expect(at(2, i)).toMatchObject({ status: "applied", orderReference: reference });
      expect(at(3, i)).toMatchObject({ status: "applied" });
      expect(at(4, i)).toMatchObject({
        status: "skipped",
        states: [
          { state: "paid", accepts: ["confirm", "cancel"] },
          { state: "cancelled", accepts: [] },
        ],
      });
      expect(at(5, i)).toMatchObject({
        status: "invalid",
        message: "item.id: the order has no item I99",
      });
      expect(at(6, i)).toMatchObject({
        status: "invalid",
        message: "item.sku: the order has no item of NOPE",
      });
      expect(at(7, i)).toMatchObject({ status: "invalid" });
      expect(at(7, i).message).toMatch(new RegExp(`^rows\\.${700 + i}\\.event: `));
      expect(at(7, i).orderReference).toBeUndefined();
      // Row 3 split one unit off item 2, so it has 1 left when row 9 asks for 5.
      expect(at(8, i).message).toBe(
        `rows.${800 + i}.quantity: a quantity needs an item (id or sku)`,
      );
      expect(at(9, i)).toMatchObject({
        status: "invalid",
        message: `quantity: item ${order.items[1]!.id} has only 1`,
      });
    }

    // Each order moved as its rows said, in their order, once.
    const views = await Promise.all(
      orders.map((o) => backoffice.orders.get.query({ reference: o.reference })),
    );
    for (const view of views) {
      expect(view.itemStates).toEqual({ confirmed: 2, paid: 1, cancelled: 1 });
      const history = await backoffice.orders.history.query({ reference: view.reference });
      expect(history.filter((h) => h.type === "event").map((h) => [h.event, h.actor])).toEqual([
        ["pay", "backoffice:warehouse"],
        ["confirm", "backoffice:warehouse"],
        ["cancel", "backoffice:warehouse"],
      ]);
    }

    // The same import again: the first report, and no order changes.
    const again = await backoffice.orders.importEvents.mutate({
      importId: "bulk-1",
      rows: rows as ImportRow[],
    });
    expect(again).toEqual(report);
    const after = await Promise.all(
      orders.map((o) => backoffice.orders.get.query({ reference: o.reference })),
    );
    expect(after.map((v) => v.version)).toEqual(views.map((v) => v.version));

    // The same id with other rows is a conflict, and changes nothing.
    const token = await tokenFor("backoffice", "warehouse");
    const conflict = await call(
      "orders.importEvents",
      { importId: "bulk-1", rows: rows.slice(1) },
      { token },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.message).toContain("importId");
  });

  it("unknown orders are reported and get no storage; an ambiguous custom reference is invalid", async () => {
    const [a, b, c] = await placeOrders(3, "unknown", (i) => (i < 2 ? "PO-SHARED" : "PO-ALONE"));
    await projected([a!, b!, c!]);
    const backoffice = await clientAs("backoffice", "warehouse");
    const report = await backoffice.orders.importEvents.mutate({
      importId: "unknown-1",
      rows: [
        { order: { reference: "ORD-NOSUCHORDER0001" }, event: "pay" },
        { order: { customOrderReference: "PO-NOBODY" }, event: "pay" },
        { order: { customOrderReference: "PO-SHARED" }, event: "pay" },
        { order: { customOrderReference: "PO-ALONE" }, event: "pay" },
      ],
    });
    expect(report.rows).toEqual([
      {
        index: 0,
        status: "unknown-order",
        orderReference: "ORD-NOSUCHORDER0001",
        message: "order.reference: no such order",
      },
      {
        index: 1,
        status: "unknown-order",
        message: "order.customOrderReference: no order has this reference",
      },
      expect.objectContaining({ index: 2, status: "invalid" }),
      { index: 3, status: "applied", orderReference: c!.reference },
    ]);
    expect(report.rows[2]?.message).toContain("2 orders have this reference");
    const tables = await runInDurableObject(
      env.ORDERS.getByName("ORD-NOSUCHORDER0001"),
      (_obj, state) =>
        state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("the same import sent twice at once applies every row once", async () => {
    const orders = await placeOrders(5, "twice");
    const backoffice = await clientAs("backoffice", "warehouse");
    const rows = orders.flatMap((o): ImportRow[] => [
      { order: { reference: o.reference }, event: "pay" },
      { order: { reference: o.reference }, event: "confirm" },
    ]);
    const [first, second] = await Promise.all([
      backoffice.orders.importEvents.mutate({ importId: "twice-1", rows }),
      backoffice.orders.importEvents.mutate({ importId: "twice-1", rows }),
    ]);
    expect(second).toEqual(first);
    expect(first.counts).toEqual({ applied: 10, skipped: 0, unknownOrder: 0, invalid: 0 });
    for (const o of orders) {
      const history = await backoffice.orders.history.query({ reference: o.reference });
      expect(history.filter((h) => h.type === "event").map((h) => h.event)).toEqual([
        "pay",
        "confirm",
      ]);
    }
  });

  it("is for the back office, takes at most 10,000 rows and names a bad field", async () => {
    const checkout = await tokenFor("checkout", "shop");
    const backoffice = await tokenFor("backoffice", "warehouse");
    const row = { order: { reference: "ORD-X" }, event: "pay" };
    expect(
      (await call("orders.importEvents", { importId: "r", rows: [row] }, { token: checkout }))
        .status,
    ).toBe(403);
    const tooMany = await call(
      "orders.importEvents",
      { importId: "r", rows: Array.from({ length: 10_001 }, () => row) },
      { token: backoffice },
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.data.issues?.[0]?.path).toEqual(["rows"]);
    const noId = await call("orders.importEvents", { rows: [row] }, { token: backoffice });
    expect(noId.status).toBe(400);
    expect(noId.body.error?.data.issues?.[0]?.path).toEqual(["importId"]);
  });
});
