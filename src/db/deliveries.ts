import { and, desc, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type DeliveryList, type DeliveryStatus, deliveryView } from "../domain/deliveries";
import { decodeCursor, encodeCursor } from "./cursor";
import { erpDeliveries } from "./schema";

/** The condition of the status index (schema.ts): deliveries not delivered. */
const undelivered = sql`${erpDeliveries.status} <> 'delivered'`;

/** ERP deliveries from D1, newest first, keyset-paginated; optionally one order's or one status. */
export async function listDeliveries<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: {
    orderReference?: string | undefined;
    status?: DeliveryStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<DeliveryList | { badCursor: true }> {
  const where: (SQL | undefined)[] = [];
  if (input.orderReference) where.push(eq(erpDeliveries.orderReference, input.orderReference));
  if (input.status) where.push(eq(erpDeliveries.status, input.status));
  // The status index holds the deliveries not delivered: SQLite takes it for a query that
  // names its condition.
  if (input.status && input.status !== "delivered") where.push(undelivered);
  if (input.cursor) {
    const [createdAt, id] = decodeCursor(input.cursor, 2) ?? [];
    if (createdAt === undefined || id === undefined) return { badCursor: true };
    where.push(
      or(
        lt(erpDeliveries.createdAt, createdAt),
        and(eq(erpDeliveries.createdAt, createdAt), lt(erpDeliveries.id, id)),
      ),
    );
  }
  const rows = await db
    .select()
    .from(erpDeliveries)
    .where(and(...where))
    .orderBy(desc(erpDeliveries.createdAt), desc(erpDeliveries.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    // Written by the order objects; the status column is text to D1.
    deliveries: page.map(({ revision: _revision, ...row }) => deliveryView.parse(row)),
    nextCursor: rows.length > input.limit && last ? encodeCursor([last.createdAt, last.id]) : null,
  };
}

/**
 * Orders whose next delivery needs a nudge: it waits without a date (no URL when its turn came)
 * or is overdue by `graceMs` (its object never woke). Only the first pending delivery of an
 * order counts: those behind it wait for it, not for the sweep.
 */
export async function ordersToWake<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  now: Date,
  graceMs: number,
  limit: number,
): Promise<string[]> {
  const before = new Date(now.getTime() - graceMs).toISOString();
  const rows = await db
    .select({ orderReference: erpDeliveries.orderReference })
    .from(erpDeliveries)
    .where(
      and(
        eq(erpDeliveries.status, "pending"),
        undelivered,
        or(isNull(erpDeliveries.nextAttemptAt), lt(erpDeliveries.nextAttemptAt, before)),
        sql`NOT EXISTS (SELECT 1 FROM erp_deliveries ahead
          WHERE ahead.order_reference = ${erpDeliveries.orderReference}
            AND ahead.status = 'pending' AND ahead.sequence < ${erpDeliveries.sequence})`,
      ),
    )
    .orderBy(erpDeliveries.createdAt)
    .limit(limit);
  return rows.map((r) => r.orderReference);
}
