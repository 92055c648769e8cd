import { and, desc, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { decodeCursor, encodeCursor } from "./cursor";
import { erpDeliveries } from "./schema";

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** The condition of the `erp_deliveries_open` index, said so SQLite uses it (schema.ts). */
const OPEN_DELIVERY = sql`${erpDeliveries.status} <> 'delivered'`;

/** A delivery as `exports.list` shows it. */
export interface DeliveryView {
  id: string;
  orderReference: string;
  sequence: number;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

interface ListInput {
  orderReference?: string | undefined;
  status?: DeliveryStatus | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** ERP deliveries from D1, newest first, keyset-paginated; optionally one order's or one status. */
export async function listDeliveries<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: ListInput,
): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null } | { badCursor: true }> {
  const query = listDeliveriesQuery(db, input);
  if (!query) return { badCursor: true };
  const rows = await query;
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    deliveries: page.map(({ revision: _revision, ...row }) => row),
    nextCursor: rows.length > input.limit && last ? encodeCursor([last.createdAt, last.id]) : null,
  };
}

/** The query of a page: one row more than asked, to know whether another page follows; null for a bad cursor. */
export function listDeliveriesQuery<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: ListInput,
) {
  const where: (SQL | undefined)[] = [];
  if (input.orderReference) where.push(eq(erpDeliveries.orderReference, input.orderReference));
  if (input.status) where.push(eq(erpDeliveries.status, input.status));
  if (input.status && input.status !== "delivered") where.push(OPEN_DELIVERY);
  if (input.cursor) {
    const [createdAt, id] = decodeCursor(input.cursor, 2) ?? [];
    if (createdAt === undefined || id === undefined) return null;
    where.push(
      or(
        lt(erpDeliveries.createdAt, createdAt),
        and(eq(erpDeliveries.createdAt, createdAt), lt(erpDeliveries.id, id)),
      ),
    );
  }
  return db
    .select()
    .from(erpDeliveries)
    .where(and(...where))
    .orderBy(desc(erpDeliveries.createdAt), desc(erpDeliveries.id))
    .limit(input.limit + 1);
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
  const rows = await ordersToWakeQuery(db, now, graceMs, limit);
  return rows.map((r) => r.orderReference);
}

/** The query of ordersToWake. */
export function ordersToWakeQuery<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  now: Date,
  graceMs: number,
  limit: number,
) {
  const before = new Date(now.getTime() - graceMs).toISOString();
  return db
    .select({ orderReference: erpDeliveries.orderReference })
    .from(erpDeliveries)
    .where(
      and(
        eq(erpDeliveries.status, "pending"),
        OPEN_DELIVERY,
        or(isNull(erpDeliveries.nextAttemptAt), lt(erpDeliveries.nextAttemptAt, before)),
        sql`NOT EXISTS (SELECT 1 FROM erp_deliveries ahead
          WHERE ahead.order_reference = ${erpDeliveries.orderReference}
            AND ahead.status = 'pending' AND ahead.sequence < ${erpDeliveries.sequence})`,
      ),
    )
    .orderBy(erpDeliveries.createdAt)
    .limit(limit);
}
