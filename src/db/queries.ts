import { and, desc, eq, gte, isNotNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { type ListOrdersInput, searchWords } from "../domain/inputs";
import type { OrderSummary } from "../domain/view";
import type { ItemState } from "../machines/registry";
import { decodeCursor, encodeCursor } from "./cursor";
import { orders } from "./schema";

/**
 * An FTS5 query in which every word must appear as a substring: each word becomes a quoted
 * string (a quote doubled inside), so nothing the user types is read as FTS5 syntax.
 */
const ftsQuery = (search: string) =>
  searchWords(search)
    .map((word) => `"${word.replaceAll('"', '""')}"`)
    .join(" AND ");

/**
 * Orders from the D1 read model, newest first, keyset-paginated. `isCancellable` is decided at
 * read time from `cancellableUntil`, so a list never offers a cancel after the window closed,
 * even before the projection caught up.
 */
export async function listOrders<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: ListOrdersInput,
  now: Date,
  forCustomer = false,
): Promise<{ orders: OrderSummary[]; nextCursor: string | null } | { badCursor: true }> {
  const where: (SQL | undefined)[] = [];
  if (forCustomer) where.push(eq(orders.customerVisible, true));
  if (input.reference) where.push(eq(orders.reference, input.reference));
  if (input.search)
    where.push(
      sql`${orders}.rowid IN (SELECT rowid FROM order_search WHERE order_search MATCH ${ftsQuery(input.search)})`,
    );
  if (input.customerReference) where.push(eq(orders.customerReference, input.customerReference));
  if (input.customOrderReference)
    where.push(eq(orders.customOrderReference, input.customOrderReference));
  if (input.state)
    where.push(
      sql`EXISTS (SELECT 1 FROM json_each(${orders.itemStates}) WHERE json_each.key = ${input.state})`,
    );
  if (input.placedFrom) where.push(gte(orders.placedAt, new Date(input.placedFrom).toISOString()));
  if (input.placedTo) where.push(lte(orders.placedAt, new Date(input.placedTo).toISOString()));
  if (input.cursor) {
    const [placedAt, reference] = decodeCursor(input.cursor, 2) ?? [];
    if (placedAt === undefined || reference === undefined) return { badCursor: true };
    where.push(
      or(
        lt(orders.placedAt, placedAt),
        and(eq(orders.placedAt, placedAt), lt(orders.reference, reference)),
      ),
    );
  }
  // Named columns: `skus` can be large and is only for the search index.
  const rows = await db
    .select({
      reference: orders.reference,
      customerReference: orders.customerReference,
      customOrderReference: orders.customOrderReference,
      customerEmail: orders.customerEmail,
      customerName: orders.customerName,
      state: orders.state,
      itemStates: orders.itemStates,
      grandTotal: orders.grandTotal,
      currency: orders.currency,
      placedAt: orders.placedAt,
      updatedAt: orders.updatedAt,
      cancellableUntil: orders.cancellableUntil,
      itemsCancellable: orders.itemsCancellable,
      version: orders.version,
    })
    .from(orders)
    .where(and(...where))
    .orderBy(desc(orders.placedAt), desc(orders.reference))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nowIso = now.toISOString();
  return {
    orders: page.map((r) => ({
      reference: r.reference,
      customerReference: r.customerReference,
      customOrderReference: r.customOrderReference,
      customer: { email: r.customerEmail, name: r.customerName },
      // Written by the order objects, which only hold states of registered processes.
      state: r.state as ItemState,
      itemStates: r.itemStates,
      grandTotal: r.grandTotal,
      currency: r.currency,
      placedAt: r.placedAt,
      updatedAt: r.updatedAt,
      isCancellable: r.itemsCancellable && nowIso < r.cancellableUntil,
      cancellableUntil: r.cancellableUntil,
      version: r.version,
    })),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor([last.placedAt, last.reference]) : null,
  };
}

/** Orders with effects that ran out of attempts, most recently changed first. */
export async function listDeadEffects<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: { cursor?: string | undefined; limit: number },
): Promise<
  | {
      orders: { reference: string; updatedAt: string; effects: { id: number; kind: string }[] }[];
      nextCursor: string | null;
    }
  | { badCursor: true }
> {
  const where: (SQL | undefined)[] = [isNotNull(orders.deadEffects)];
  if (input.cursor) {
    const [updatedAt, reference] = decodeCursor(input.cursor, 2) ?? [];
    if (updatedAt === undefined || reference === undefined) return { badCursor: true };
    where.push(
      or(
        lt(orders.updatedAt, updatedAt),
        and(eq(orders.updatedAt, updatedAt), lt(orders.reference, reference)),
      ),
    );
  }
  const rows = await db
    .select({
      reference: orders.reference,
      updatedAt: orders.updatedAt,
      effects: orders.deadEffects,
    })
    .from(orders)
    .where(and(...where))
    .orderBy(desc(orders.updatedAt), desc(orders.reference))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    orders: page.map((r) => ({ ...r, effects: r.effects ?? [] })),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor([last.updatedAt, last.reference]) : null,
  };
}
