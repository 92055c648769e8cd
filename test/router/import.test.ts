import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImportRow } from "../../src/domain/import";
import type { OrderView } from "../../src/domain/order-view";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, flakyD1, orderInput, tokenFor } from "../helpers";

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

/**
 * Pins a stored order to another process (one that is not registered breaks every call into
 * its object, as if a version had been removed); returns the process it had.
 */
async function pinToProcess(reference: string, process: string): Promise<string> {
  const stub = env.ORDERS.getByName(reference);
  const before = await runInDurableObject(stub, (_object, state) => {
    const [row] = state.storage.sql
      .exec<{ process: string }>(
        "SELECT json_extract(data, '$.process') AS process FROM order_header",
      )
      .toArray();
    state.storage.sql.exec(
      "UPDATE order_header SET data = json_set(data, '$.process', ?)",
      process,
    );
    return row!.process;
  });
  // The object caches the order in memory: start it afresh from storage.
  await evictDurableObject(stub);
  return before;
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

  it("the same importId with other rows, sent at once: one import runs, the other is refused and changes nothing (12 trials)", async () => {
    const token = await tokenFor("backoffice", "warehouse");
    const backoffice = await clientAs("backoffice", "warehouse");
    const orders = await placeOrders(24, "race");
    for (let trial = 0; trial < 12; trial++) {
      const [a, b] = [orders[2 * trial]!, orders[2 * trial + 1]!];
      const rowsOf = (o: OrderView): ImportRow[] => [
        { order: { reference: o.reference }, item: { sku: "SKU-2" }, event: "cancel", quantity: 1 },
      ];
      const importId = `race-${trial}`;
      const answers = await Promise.all(
        [a, b].map((o) => call("orders.importEvents", { importId, rows: rowsOf(o) }, { token })),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = answers[0]!.status === 200 ? a : b;
      const loser = winner === a ? b : a;
      const refused = answers.find((r) => r.status === 409);
      expect(refused?.body.error?.message).toContain("importId was already used for other rows");
      // The refused import changed nothing: its order is as placed.
      const [won, lost] = await Promise.all(
        [winner, loser].map((o) => backoffice.orders.get.query({ reference: o.reference })),
      );
      expect(won!.itemStates).toEqual({ "payment-pending": 3, cancelled: 1 });
      expect(lost!.version).toBe(loser.version);
      expect(lost!.itemStates).toEqual(loser.itemStates);
      // Its rows under a new id, as the refusal advises: applied once.
      const retried = await backoffice.orders.importEvents.mutate({
        importId: `${importId}-again`,
        rows: rowsOf(loser),
      });
      expect(retried.counts.applied).toBe(1);
      expect(
        (await backoffice.orders.get.query({ reference: loser.reference })).itemStates,
      ).toEqual({ "payment-pending": 3, cancelled: 1 });
      // And the claimed id still answers its own report.
      const replay = await call(
        "orders.importEvents",
        { importId, rows: rowsOf(winner) },
        { token },
      );
      expect(replay.body).toEqual(answers.find((r) => r.status === 200)?.body);
    }
  });

  it("a row by a custom reference its order gave up (D1 still lists it there) is unknown-order and changes nothing", async () => {
    const [order] = await placeOrders(1, "gone", () => "PO-GONE-1");
    await projected([order!]);
    const stub = env.ORDERS.getByName(order!.reference);
    const { db } = flakyD1(env.DB);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = db; // the projection of the change below cannot land: D1 lags
    });
    try {
      const backoffice = await clientAs("backoffice", "warehouse");
      const changed = await backoffice.orders.setCustomReference.mutate({
        reference: order!.reference,
        customOrderReference: "PO-GONE-2",
      });
      const listed = await env.DB.prepare(
        "SELECT reference FROM orders WHERE custom_order_reference = ?",
      )
        .bind("PO-GONE-1")
        .first<{ reference: string }>();
      expect(listed?.reference).toBe(order!.reference);
      const report = await backoffice.orders.importEvents.mutate({
        importId: "gone-1",
        rows: [
          { order: { customOrderReference: "PO-GONE-1" }, event: "pay" },
          { order: { reference: order!.reference }, item: { sku: "SKU-1" }, event: "pay" },
        ],
      });
      expect(report.rows).toEqual([
        {
          index: 0,
          status: "unknown-order",
          orderReference: order!.reference,
          message: "order.customOrderReference: the order no longer has this reference",
        },
        { index: 1, status: "applied", orderReference: order!.reference },
      ]);
      const after = await backoffice.orders.get.query({ reference: order!.reference });
      expect(after.version).toBe(changed.version + 1);
      expect(after.itemStates).toEqual({ "payment-pending": 2, paid: 2 });
    } finally {
      await runInDurableObject(stub, (o: OrderObject) => {
        o.seam.db = env.DB;
      });
    }
  });

  it("an import that fails halfway resumes under its id: each row applied once, where the claim sent it", async () => {
    const [a, broken, c] = await placeOrders(3, "resume", (i) => `PO-RESUME-${i}`);
    await projected([a!, broken!, c!]);
    const backoffice = await clientAs("backoffice", "warehouse");
    const token = await tokenFor("backoffice", "warehouse");
    const rows: ImportRow[] = [
      { order: { customOrderReference: "PO-RESUME-0" }, item: { sku: "SKU-1" }, event: "pay" },
      { order: { reference: broken!.reference }, event: "pay" },
    ];
    // The second order's object fails on every call (its process is gone): the import fails.
    const process = await pinToProcess(broken!.reference, "retired-process@7");
    const failed = await call("orders.importEvents", { importId: "resume-1", rows }, { token });
    expect(failed.status).toBe(500);
    await expect
      .poll(async () => (await backoffice.orders.get.query({ reference: a!.reference })).itemStates)
      .toEqual({ "payment-pending": 2, paid: 2 });
    // Meanwhile the custom reference moves to another order, and D1 follows.
    await backoffice.orders.setCustomReference.mutate({
      reference: a!.reference,
      customOrderReference: "PO-RESUME-0-OLD",
    });
    await backoffice.orders.setCustomReference.mutate({
      reference: c!.reference,
      customOrderReference: "PO-RESUME-0",
    });
    await expect
      .poll(async () =>
        env.DB.prepare("SELECT reference FROM orders WHERE custom_order_reference = ?")
          .bind("PO-RESUME-0")
          .first<{ reference: string }>(),
      )
      .toEqual({ reference: c!.reference });
    const [aBefore, cBefore] = await Promise.all(
      [a!, c!].map((o) => backoffice.orders.get.query({ reference: o.reference })),
    );

    // Healed, the same import again: the first row is answered by the order it reached first.
    await pinToProcess(broken!.reference, process);
    const report = await backoffice.orders.importEvents.mutate({ importId: "resume-1", rows });
    expect(report.rows).toEqual([
      { index: 0, status: "applied", orderReference: a!.reference },
      { index: 1, status: "applied", orderReference: broken!.reference },
    ]);
    const [aAfter, cAfter] = await Promise.all(
      [a!, c!].map((o) => backoffice.orders.get.query({ reference: o.reference })),
    );
    expect(aAfter!.version).toBe(aBefore!.version);
    expect(cAfter!.version).toBe(cBefore!.version);
    expect(
      (await backoffice.orders.get.query({ reference: broken!.reference })).itemStates,
    ).toEqual({ paid: 4 });
    // Finished: the report from now on, also for the same rows sent again.
    expect(await backoffice.orders.importEvents.mutate({ importId: "resume-1", rows })).toEqual(
      report,
    );
  });

  it("an import left unfinished longer than its orders remember it is refused, not resumed", async () => {
    const [order] = await placeOrders(1, "stale");
    const rows: ImportRow[] = [{ order: { reference: order!.reference }, event: "pay" }];
    const process = await pinToProcess(order!.reference, "retired-process@7");
    const token = await tokenFor("backoffice", "warehouse");
    expect(
      (await call("orders.importEvents", { importId: "stale-1", rows }, { token })).status,
    ).toBe(500);
    await pinToProcess(order!.reference, process);
    await env.DB.prepare("UPDATE event_imports SET created_at = ? WHERE import_id = ?")
      .bind(new Date(Date.now() - 25 * 3_600_000).toISOString(), "stale-1")
      .run();
    const stale = await call("orders.importEvents", { importId: "stale-1", rows }, { token });
    expect(stale.status).toBe(412);
    expect(stale.body.error?.message).toContain("never finished");
    const backoffice = await clientAs("backoffice", "warehouse");
    expect((await backoffice.orders.get.query({ reference: order!.reference })).version).toBe(
      order!.version,
    );
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
