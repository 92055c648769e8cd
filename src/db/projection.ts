import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { OrderSummaryRow } from "../engine/summary";
import { erpDeliveries, orders } from "./schema";

/** An ERP delivery as the order object reports it to D1. */
export type DeliveryRow = typeof erpDeliveries.$inferInsert & {
  status: "pending" | "delivered" | "failed";
};

/** D1 binds at most 100 parameters per statement; a delivery row binds 11. */
const DELIVERIES_PER_STATEMENT = 9;

/**
 * Writes an order's summary to D1 in one batch. Version-guarded: a late or repeated write never
 * overwrites a newer one, so projections may be retried and arrive out of order.
 *
 * An update sets only what changes over an order's life and leaves the indexed columns alone
 * (SQLite rewrites an index whenever its column is assigned): one row written instead of four.
 * The custom reference, indexed too, is assigned only when it differs. The search columns are
 * taken from the inserted row (`excluded`, not bound twice), so rows projected before they
 * existed fill in; the search index re-indexes only when one really changed (migration 0007).
 */
export async function projectOrder(
  d1: D1Database,
  row: OrderSummaryRow,
  deliveries: DeliveryRow[] = [],
): Promise<number> {
  const db = drizzle(d1);
  const deliveryWrites = [];
  for (let i = 0; i < deliveries.length; i += DELIVERIES_PER_STATEMENT)
    deliveryWrites.push(
      db
        .insert(erpDeliveries)
        .values(deliveries.slice(i, i + DELIVERIES_PER_STATEMENT))
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
  const [upsert, reference, ...delivered] = await db.batch([
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
    ...deliveryWrites,
  ]);
  return (
    upsert.meta.rows_written +
    reference.meta.rows_written +
    delivered.reduce((n, r) => n + r.meta.rows_written, 0)
  );
}
