import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ItemGroups } from "../engine/item-groups";
import type { OrderSummaryRow } from "../engine/summary";
import { itemGroupStatements } from "./item-groups";
import { erpDeliveries, orders } from "./schema";

/** An ERP delivery as the order object reports it to D1. */
export type DeliveryRow = typeof erpDeliveries.$inferInsert & {
  status: "pending" | "delivered" | "failed";
};

/** D1 binds at most 100 parameters per statement; a delivery row binds 11. */
const DELIVERIES_PER_STATEMENT = 9;

/** What the order reports to D1 besides its summary row. */
export interface ProjectionParts {
  /** ERP deliveries whose state D1 does not have yet (each guarded by its own revision). */
  exports: DeliveryRow[];
  /** The order's reserved units and waiting items (guarded by the version this batch wrote). */
  itemGroups: ItemGroups;
}

/**
 * Writes an order's summary to D1 in one batch. Version-guarded: a late or repeated write never
 * overwrites a newer one, so projections may be retried and arrive out of order.
 *
 * An update sets only what changes over an order's life and leaves the indexed columns alone
 * (SQLite rewrites an index whenever its column is assigned): one row written instead of four.
 * The custom reference, indexed too, is assigned only when it differs. The search columns are
 * taken from the inserted row (`excluded`, not bound twice), so rows projected before they
 * existed fill in; the search index re-indexes only when one really changed (the
 * `*_order_search.sql` migration). The order's ERP deliveries, reserved units and waiting items
 * follow in the same batch.
 */
export async function projectOrder(
  d1: D1Database,
  row: OrderSummaryRow,
  parts: ProjectionParts,
): Promise<number> {
  const db = drizzle(d1);
  const upsert = db
    .insert(orders)
    .values(row)
    .onConflictDoUpdate({
      target: orders.reference,
      set: {
        state: row.state,
        itemStates: row.itemStates,
        updatedAt: row.updatedAt,
        itemsCancellable: row.itemsCancellable,
        customerVisible: row.customerVisible,
        deadEffects: row.deadEffects,
        version: row.version,
        customerEmail: sql`excluded.customer_email`,
        customerName: sql`excluded.customer_name`,
        skus: sql`excluded.skus`,
      },
      setWhere: sql`excluded.version >= ${orders.version}`,
    });
  const reference = db
    .update(orders)
    .set({ customOrderReference: row.customOrderReference ?? null })
    .where(
      and(
        eq(orders.reference, row.reference),
        eq(orders.version, row.version),
        sql`${orders.customOrderReference} IS NOT ${row.customOrderReference ?? null}`,
      ),
    );
  const deliveries = [];
  for (let i = 0; i < parts.exports.length; i += DELIVERIES_PER_STATEMENT)
    deliveries.push(
      db
        .insert(erpDeliveries)
        .values(parts.exports.slice(i, i + DELIVERIES_PER_STATEMENT))
        .onConflictDoUpdate({
          target: erpDeliveries.id,
          set: {
            status: sql`excluded.status`,
            attempts: sql`excluded.attempts`,
            lastAttemptAt: sql`excluded.last_attempt_at`,
            lastError: sql`excluded.last_error`,
            nextAttemptAt: sql`excluded.next_attempt_at`,
            revision: sql`excluded.revision`,
          },
          setWhere: sql`excluded.revision > ${erpDeliveries.revision}`,
        }),
    );
  const results = await d1.batch([
    d1Statement(d1, upsert),
    d1Statement(d1, reference),
    ...deliveries.map((q) => d1Statement(d1, q)),
    ...itemGroupStatements(d1, row.reference, row.version, parts.itemGroups),
  ]);
  return results.reduce((n, r) => n + r.meta.rows_written, 0);
}

/** A drizzle query as a D1 statement, so it can share a D1 batch with plain statements. */
function d1Statement(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql: text, params } = query.toSQL();
  return d1.prepare(text).bind(...params);
}
