import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { orders } from "./schema";

export type OrderRow = typeof orders.$inferInsert;

/**
 * Writes an order's summary to D1. Version-guarded: a late or repeated write never overwrites
 * a newer one, so projections may be retried and arrive out of order.
 */
export async function projectOrder(d1: D1Database, row: OrderRow): Promise<D1Meta | undefined> {
  const { reference: _reference, ...rest } = row;
  const result = await drizzle(d1)
    .insert(orders)
    .values(row)
    .onConflictDoUpdate({
      target: orders.reference,
      set: rest,
      setWhere: sql`excluded.version > ${orders.version}`,
    })
    .run();
  return result.meta;
}
