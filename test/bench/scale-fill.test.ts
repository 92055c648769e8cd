import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bulkStatements, exactStatements, scaleOrder } from "../../bench/scale";

// The bench's scale scenario fills D1 with a million orders through a bulk path: this holds it
// to what the orders' projections themselves write, one statement after the other.

const TABLES = {
  orders: "SELECT * FROM orders ORDER BY id",
  order_states: "SELECT * FROM order_states ORDER BY state, order_id",
  sku_reservations: "SELECT * FROM sku_reservations ORDER BY sku",
  order_reserved: "SELECT * FROM order_reserved ORDER BY order_reference, chunk",
  waiting_counts: "SELECT * FROM waiting_counts ORDER BY process, state, since",
  order_waiting_groups: "SELECT * FROM order_waiting_groups ORDER BY order_reference",
  erp_deliveries: "SELECT * FROM erp_deliveries ORDER BY order_reference, sequence",
  invoices: "SELECT * FROM invoices ORDER BY reference",
};
const SEARCHES = ['"gmbh"', '"lovelace" AND "SKU-1"', '"zyxwarth"', '"PO-19"', '"ORD-SCALE"'];

async function snapshot() {
  const tables: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(TABLES))
    tables[name] = (await env.DB.prepare(query).all()).results;
  const searches: Record<string, unknown[]> = {};
  for (const match of SEARCHES)
    searches[match] = (
      await env.DB.prepare(
        "SELECT rowid FROM order_search WHERE order_search MATCH ? ORDER BY rowid DESC",
      )
        .bind(match)
        .all()
    ).results;
  // The search index agrees with its content (the orders' rows).
  await env.DB.prepare("INSERT INTO order_search (order_search) VALUES ('integrity-check')").run();
  return { tables, searches };
}

async function clear() {
  await env.DB.batch(
    Object.keys(TABLES)
      .filter((t) => t !== "order_states")
      .map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
}

describe("the bench's bulk fill of the read model", () => {
  it("leaves D1 exactly as the orders' projections do, table by table", async () => {
    // A shop of 200,000 orders: 200 of them over its three years, and its 300 newest (open
    // work of every kind: unpaid, paid, exported, shipped, split deliveries, returns).
    const total = 200_000;
    const now = Date.parse("2026-11-26T12:00:00.000Z");
    const picked = [
      ...Array.from({ length: 200 }, (_, k) => k * 997),
      ...Array.from({ length: 300 }, (_, k) => total - 300 + k),
    ];
    const orders = picked.map((i) => scaleOrder(i, total, now));

    await env.DB.batch(exactStatements(env.DB, orders));
    const exact = await snapshot();
    await clear();
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM order_states").first())?.n).toBe(0);
    await env.DB.batch(bulkStatements(env.DB, orders));
    const bulk = await snapshot();

    expect(bulk).toEqual(exact);
    // And the shop has what the scale scenario reads: every kind of state and open work.
    const states = new Set(exact.tables.order_states?.map((r) => (r as { state: string }).state));
    for (const state of ["payment-pending", "paid", "exported", "shipped", "delivered", "closed"])
      expect(states).toContain(state);
    expect(exact.tables.waiting_counts?.length).toBeGreaterThan(50);
    expect(exact.tables.invoices?.length).toBeGreaterThan(100);
    expect(exact.tables.erp_deliveries?.length).toBeGreaterThan(200);
    expect(exact.searches['"gmbh"']?.length).toBeGreaterThan(20);
  });
});
