import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { OrderSummaryRow } from "../engine/summary";
import { orders } from "./schema";

/**
 * Writes an order's summary to D1 in one batch. Version-guarded: a late or repeated write never
 * overwrites a newer one, so projections may be retried and arrive out of order.
 *
 * An update sets only what changes over an order's life and leaves the indexed columns alone
 * (SQLite rewrites an index whenever its column is assigned): one row written instead of four.
 * The custom reference, indexed too, is assigned only when it differs. The search columns are
 * taken from the inserted row (`excluded`, not bound twice), so rows projected before they
 * existed fill in; the search index re-indexes only when one really changed (migration 0006).
 */
export async function projectOrder(d1: D1Database, row: OrderSummaryRow): Promise<number> {
  const db = drizzle(d1);
  const [upsert, reference] = await db.batch([
    db
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
      }),
    db
      .update(orders)
      .set({ customOrderReference: row.customOrderReference ?? null })
      .where(
        and(
          eq(orders.reference, row.reference),
          eq(orders.version, row.version),
          sql`${orders.customOrderReference} IS NOT ${row.customOrderReference ?? null}`,
        ),
      ),
  ]);
  return upsert.meta.rows_written + reference.meta.rows_written;
}
