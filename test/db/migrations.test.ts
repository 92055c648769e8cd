import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storedItemGroups } from "../../src/db/item-groups";
import { projectOrder } from "../../src/db/projection";
import { ORDER_RESERVED_ROWS, ORDER_WAITING_ROWS, summaryRowFor } from "../helpers";

const db = env.MIGRATION_DB;
const before = (name: string) => env.TEST_MIGRATIONS.filter((m) => m.name < name);
const all = <T>(query: string, ...args: unknown[]) =>
  db
    .prepare(query)
    .bind(...args)
    .all<T>()
    .then((r) => r.results);

const order = (reference: string, version: number) =>
  summaryRowFor(reference, version, {
    customerReference: "migrated",
    customOrderReference: reference === "ORD-M1" ? "ERP-M1" : null,
    itemStates: { paid: 1 },
  });

describe("migration 0009 (the compact read model)", () => {
  it("carries every reservation, waiting group and ERP delivery over, and projections go on from them", async () => {
    // The read model as the service before it wrote it: a row per SKU and per waiting group.
    await applyD1Migrations(db, before("0009"));
    const skus = Array.from({ length: 1500 }, (_, i) => `M-${String(i).padStart(4, "0")}`);
    const statements = [
      ...["ORD-M1", "ORD-M2"].map((reference) =>
        db
          .prepare(
            `INSERT INTO orders (reference, customer_reference, custom_order_reference, state,
              item_states, grand_total, currency, placed_at, updated_at, cancellable_until,
              items_cancellable, version) VALUES (?, 'migrated', ?, 'paid', '{}', 1, 'EUR',
              '2026-01-01', '2026-01-01', '2026-01-01', 0, 1)`,
          )
          .bind(reference, reference === "ORD-M1" ? "ERP-M1" : null),
      ),
      // ORD-M1 holds 1,500 SKUs (two chunks after the migration), ORD-M2 two of them.
      ...skus.map((sku) =>
        db.prepare("INSERT INTO order_reservations VALUES ('ORD-M1', ?, 2)").bind(sku),
      ),
      db.prepare(
        "INSERT INTO order_reservations VALUES ('ORD-M2', 'M-0000', 5), ('ORD-M2', 'M-1499', 1)",
      ),
      ...skus.map((sku) =>
        db
          .prepare("INSERT INTO sku_reservations VALUES (?, ?)")
          .bind(sku, sku === "M-0000" ? 7 : sku === "M-1499" ? 3 : 2),
      ),
      db.prepare(`INSERT INTO order_waiting VALUES ('ORD-M1', 'payment@1', 'paid', 1000, 3000),
        ('ORD-M2', 'payment@1', 'paid', 2000, 5), ('ORD-M2', 'payment@1', 'confirmed', 3000, 1)`),
      db.prepare(`INSERT INTO erp_deliveries (id, order_reference, sequence, type, status, attempts,
          created_at, revision)
        VALUES ('msg_ORD-M1_1', 'ORD-M1', 1, 'order.exported', 'delivered', 1, '2026-01-01', 2),
          ('msg_ORD-M1_2', 'ORD-M1', 2, 'invoice.issued', 'pending', 0, '2026-01-02', 1)`),
    ];
    await db.batch(statements);

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const reserved = await all<{ order_reference: string; sku: string; quantity: number }>(
      `SELECT * FROM ${ORDER_RESERVED_ROWS} ORDER BY order_reference, sku`,
    );
    expect(reserved).toEqual([
      ...skus.map((sku) => ({ order_reference: "ORD-M1", sku, quantity: 2 })),
      { order_reference: "ORD-M2", sku: "M-0000", quantity: 5 },
      { order_reference: "ORD-M2", sku: "M-1499", quantity: 1 },
    ]);
    expect(
      await all("SELECT order_reference, COUNT(*) AS chunks FROM order_reserved GROUP BY 1"),
    ).toEqual([
      { order_reference: "ORD-M1", chunks: 2 },
      { order_reference: "ORD-M2", chunks: 1 },
    ]);
    expect(
      await all(
        `SELECT order_reference, state, since, quantity FROM ${ORDER_WAITING_ROWS}
         ORDER BY order_reference, since`,
      ),
    ).toEqual([
      { order_reference: "ORD-M1", state: "paid", since: 1000, quantity: 3000 },
      { order_reference: "ORD-M2", state: "paid", since: 2000, quantity: 5 },
      { order_reference: "ORD-M2", state: "confirmed", since: 3000, quantity: 1 },
    ]);
    expect(
      await all(
        "SELECT id, sequence, status FROM erp_deliveries ORDER BY order_reference, sequence",
      ),
    ).toEqual([
      { id: "msg_ORD-M1_1", sequence: 1, status: "delivered" },
      { id: "msg_ORD-M1_2", sequence: 2, status: "pending" },
    ]);
    // Looking an order up by its custom reference still uses the (now partial) index.
    const plan = await all<{ detail: string }>(
      "EXPLAIN QUERY PLAN SELECT reference FROM orders WHERE custom_order_reference = ?",
      "ERP-M1",
    );
    expect(plan.map((p) => p.detail).join("\n")).toContain("orders_custom_reference");

    // ORD-M1's next projection (an older object knows nothing of the new shape) releases 1,000
    // of its SKUs and keeps 500: the totals move by the difference to the migrated chunks.
    const kept = skus.slice(1000);
    await projectOrder(db, order("ORD-M1", 2), {
      exports: [],
      itemGroups: storedItemGroups({
        process: "payment@1",
        reserved: kept.map((sku) => ({ sku, quantity: 2 })),
        waiting: [{ state: "paid", since: 1000, quantity: 1000 }],
      }),
    });
    const totals = await all<{ sku: string; reserved: number }>(
      "SELECT sku, reserved FROM sku_reservations WHERE sku IN ('M-0000', 'M-0999', 'M-1000', 'M-1499')",
    );
    expect(totals).toEqual([
      { sku: "M-0000", reserved: 5 },
      { sku: "M-0999", reserved: 0 },
      { sku: "M-1000", reserved: 2 },
      { sku: "M-1499", reserved: 3 },
    ]);
    expect(
      await all(
        `SELECT COUNT(*) AS n FROM ${ORDER_RESERVED_ROWS} WHERE order_reference = 'ORD-M1'`,
      ),
    ).toEqual([{ n: 500 }]);
    expect(
      await all("SELECT COUNT(*) AS chunks FROM order_reserved WHERE order_reference = 'ORD-M1'"),
    ).toEqual([{ chunks: 1 }]);
  });
});

/** Empties the migration database: every table (the migrations' record too) goes. */
async function reset() {
  const { results } = await db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC`,
    )
    .all<{ name: string }>();
  for (const { name } of results) await db.prepare(`DROP TABLE IF EXISTS "${name}"`).run();
}

describe("migration 0012 (the read model keyed by placement)", () => {
  it("keys every order by its placement, rebuilds the search index over the keys, and fills the state index and the matrix's counts", async () => {
    await reset();
    await applyD1Migrations(db, before("0012"));
    const insert = (reference: string, placedAt: string, itemStates: string, name: string) =>
      db
        .prepare(
          `INSERT INTO orders (reference, customer_reference, customer_email, customer_name, skus,
            state, item_states, grand_total, currency, placed_at, updated_at, cancellable_until,
            items_cancellable, version)
          VALUES (?, 'migrated', ?, ?, 'SKU-M', 'paid', ?, 1, 'EUR', ?, ?, ?, 0, 1)`,
        )
        .bind(
          reference,
          `${name.toLowerCase()}@example.com`,
          name,
          itemStates,
          placedAt,
          placedAt,
          placedAt,
        );
    // Inserted out of placement order; two in one millisecond; one dated by day only.
    await db.batch([
      insert("ORD-P3", "2026-03-01T10:00:00.000Z", '{"paid":2}', "Carol Third"),
      insert("ORD-P1", "2026-01-01", '{"closed":1}', "Alice First"),
      insert("ORD-P2B", "2026-02-01T10:00:00.123Z", '{"paid":1,"shipped":1}', "Bob Second"),
      insert("ORD-P2A", "2026-02-01T10:00:00.123Z", '{"exported":3}', "Bea Second"),
      db.prepare(`INSERT INTO order_waiting_groups VALUES
        ('ORD-P3', 'payment@1', '[["paid",1000,2]]'),
        ('ORD-P2B', 'payment@1', '[["paid",1000,1],["shipped",2000,1]]'),
        ('ORD-P2A', 'payment@1', '[["exported",3000,3]]')`),
    ]);

    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const ms = (iso: string) => Date.parse(iso) * 2048;
    expect(await all("SELECT id, reference FROM orders ORDER BY id")).toEqual([
      { id: ms("2026-01-01"), reference: "ORD-P1" },
      { id: ms("2026-02-01T10:00:00.123Z"), reference: "ORD-P2A" },
      { id: ms("2026-02-01T10:00:00.123Z") + 1, reference: "ORD-P2B" },
      { id: ms("2026-03-01T10:00:00.000Z"), reference: "ORD-P3" },
    ]);
    // The search index is over the new keys, and whole.
    await db.prepare("INSERT INTO order_search (order_search) VALUES ('integrity-check')").run();
    expect(
      await all(
        `SELECT o.reference FROM order_search s JOIN orders o ON o.id = s.rowid
         WHERE order_search MATCH '"second"' ORDER BY s.rowid DESC`,
      ),
    ).toEqual([{ reference: "ORD-P2B" }, { reference: "ORD-P2A" }]);
    expect(await all("SELECT state, order_id FROM order_states ORDER BY state, order_id")).toEqual([
      { state: "closed", order_id: ms("2026-01-01") },
      { state: "exported", order_id: ms("2026-02-01T10:00:00.123Z") },
      { state: "paid", order_id: ms("2026-02-01T10:00:00.123Z") + 1 },
      { state: "paid", order_id: ms("2026-03-01T10:00:00.000Z") },
      { state: "shipped", order_id: ms("2026-02-01T10:00:00.123Z") + 1 },
    ]);
    expect(await all("SELECT * FROM waiting_counts ORDER BY state, since")).toEqual([
      { process: "payment@1", state: "exported", since: 3000, units: 3 },
      { process: "payment@1", state: "paid", since: 1000, units: 3 },
      { process: "payment@1", state: "shipped", since: 2000, units: 1 },
    ]);

    // The deliveries not delivered are found by their partial index, as exports.list asks.
    const plan = await all<{ detail: string }>(
      `EXPLAIN QUERY PLAN SELECT * FROM erp_deliveries WHERE status = 'pending'
       AND status <> 'delivered' ORDER BY created_at DESC, id DESC LIMIT 21`,
    );
    expect(plan.map((p) => p.detail).join("\n")).toContain("erp_deliveries_status");

    // Projections go on: an update keeps the order's key, the state index and the counts
    // follow it; a new order placed in a taken millisecond gets the next key.
    await projectOrder(
      db,
      summaryRowFor("ORD-P3", 2, {
        placedAt: "2026-03-01T10:00:00.000Z",
        itemStates: { shipped: 2 },
      }),
      {
        exports: [],
        itemGroups: storedItemGroups({
          process: "payment@1",
          reserved: [],
          waiting: [{ state: "shipped", since: 2000, quantity: 2 }],
        }),
      },
    );
    await projectOrder(
      db,
      summaryRowFor("ORD-P4", 1, { placedAt: "2026-02-01T10:00:00.123Z", itemStates: { paid: 1 } }),
      {
        exports: [],
        itemGroups: storedItemGroups({
          process: "payment@1",
          reserved: [],
          waiting: [{ state: "paid", since: 1000, quantity: 1 }],
        }),
      },
    );
    expect(
      await all("SELECT id FROM orders WHERE reference IN ('ORD-P3', 'ORD-P4') ORDER BY id"),
    ).toEqual([{ id: ms("2026-02-01T10:00:00.123Z") + 2 }, { id: ms("2026-03-01T10:00:00.000Z") }]);
    expect(
      await all(
        "SELECT state FROM order_states WHERE order_id = ? ORDER BY state",
        ms("2026-03-01T10:00:00.000Z"),
      ),
    ).toEqual([{ state: "shipped" }]);
    expect(await all("SELECT * FROM waiting_counts ORDER BY state, since")).toEqual([
      { process: "payment@1", state: "exported", since: 3000, units: 3 },
      { process: "payment@1", state: "paid", since: 1000, units: 2 },
      { process: "payment@1", state: "shipped", since: 2000, units: 3 },
    ]);
  });
});
