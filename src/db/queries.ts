import { and, desc, eq, gte, isNotNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { type ListOrdersInput, searchWords } from "../domain/inputs";
import type { OrderList } from "../domain/order-list";
import { itemStates as itemStatesSchema } from "../domain/order-view";
import { type DeadEffectsList, deadEffects } from "../domain/outbox";
import { itemState } from "../domain/processes";
import { decodeCursor, encodeCursor } from "./cursor";
import { placementKeyBase } from "./projection";
import { orderStates, orders, orderWaiting, PLACEMENT_KEY_SLOTS } from "./schema";

/**
 * An FTS5 query in which every word must appear as a substring: each word becomes a quoted
 * string (a quote doubled inside), so nothing the user types is read as FTS5 syntax.
 */
const ftsQuery = (search: string) =>
  searchWords(search)
    .map((word) => `"${word.replaceAll('"', '""')}"`)
    .join(" AND ");

/**
 * The FTS5 search index over `orders` (rowid = `orders.id`; migrations 0008 and 0012). Declared
 * here, not in schema.ts: drizzle-kit knows no virtual tables, and creates none.
 */
const orderSearch = sqliteTable("order_search", { rowid: integer("rowid").notNull() });

const listFields = {
  id: orders.id,
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
};

/** A cursor of this list: the placement key of the page's last order. */
function cursorKey(cursor: string): number | null {
  const [key] = decodeCursor(cursor, 1) ?? [];
  return key !== undefined && /^-?\d{1,16}$/.test(key) ? Number(key) : null;
}

/**
 * Orders from the D1 read model, newest first (by placement key: placement time, then the order
 * D1 heard of orders placed in the same millisecond), keyset-paginated. `isCancellable` is
 * decided at read time from `cancellableUntil`, so a list never offers a cancel after the window
 * closed, even before the projection caught up.
 *
 * Every list walks an index newest first and stops at the page: a customer's or a custom
 * reference's orders by their index, a search by the search index (whose rowid is the placement
 * key), a state by `order_states`, anything else the table itself; the other filters are checked
 * on the way (a search or a state by a lookup of this order in its index).
 */
/**
 * Units of the order waiting in a state since a time in a range (the order matrix's cells):
 * read from the order's row of waiting groups (`[[state, since ms, units], ...]`).
 */
function waitingIn(waiting: NonNullable<ListOrdersInput["waiting"]>): SQL {
  const group = sql.raw("g.value");
  const conditions = [sql`json_extract(${group}, '$[0]') = ${waiting.state}`];
  if (waiting.process) conditions.push(sql`${orderWaiting.process} = ${waiting.process}`);
  if (waiting.after)
    conditions.push(sql`json_extract(${group}, '$[1]') > ${Date.parse(waiting.after)}`);
  if (waiting.until)
    conditions.push(sql`json_extract(${group}, '$[1]') <= ${Date.parse(waiting.until)}`);
  return sql`EXISTS (SELECT 1 FROM ${orderWaiting}, json_each(${orderWaiting.groups}) AS g WHERE ${orderWaiting.orderReference} = ${orders.reference} AND ${sql.join(conditions, sql` AND `)})`;
}

export async function listOrders<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: ListOrdersInput,
  now: Date,
  forCustomer = false,
): Promise<OrderList | { badCursor: true }> {
  let before: number | null = null;
  if (input.cursor) {
    before = cursorKey(input.cursor);
    if (before === null) return { badCursor: true };
  }
  const selective = Boolean(
    input.reference || input.customerReference || input.customOrderReference,
  );
  const driver = selective ? "orders" : input.search ? "search" : input.state ? "state" : "orders";
  const key =
    driver === "search" ? orderSearch.rowid : driver === "state" ? orderStates.orderId : orders.id;
  const match = input.search ? ftsQuery(input.search) : "";
  const where: (SQL | undefined)[] = [];
  if (forCustomer) where.push(eq(orders.customerVisible, true));
  if (input.reference) where.push(eq(orders.reference, input.reference));
  if (input.customerReference) where.push(eq(orders.customerReference, input.customerReference));
  if (input.customOrderReference)
    where.push(eq(orders.customOrderReference, input.customOrderReference));
  if (input.search)
    where.push(
      driver === "search"
        ? sql`${orderSearch} MATCH ${match}`
        : sql`EXISTS (SELECT 1 FROM ${orderSearch} WHERE ${orderSearch} MATCH ${match} AND ${orderSearch.rowid} = ${orders.id})`,
    );
  if (input.state)
    where.push(
      driver === "state"
        ? eq(orderStates.state, input.state)
        : sql`EXISTS (SELECT 1 FROM ${orderStates} WHERE ${orderStates.state} = ${input.state} AND ${orderStates.orderId} = ${orders.id})`,
    );
  if (input.waiting) where.push(waitingIn(input.waiting));
  // Placement times as placement keys: from the first key of `placedFrom`'s millisecond to the
  // last of `placedTo`'s (both inclusive, as the times are).
  if (input.placedFrom)
    where.push(gte(key, placementKeyBase(new Date(input.placedFrom).toISOString())));
  if (input.placedTo)
    where.push(
      lt(key, placementKeyBase(new Date(input.placedTo).toISOString()) + PLACEMENT_KEY_SLOTS),
    );
  if (before !== null) where.push(lt(key, before));
  const base = db.select(listFields);
  const from =
    driver === "search"
      ? base.from(orderSearch).innerJoin(orders, eq(orders.id, orderSearch.rowid))
      : driver === "state"
        ? base.from(orderStates).innerJoin(orders, eq(orders.id, orderStates.orderId))
        : base.from(orders);
  const rows = await from
    .where(and(...where))
    .orderBy(desc(key))
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
      state: itemState.parse(r.state),
      itemStates: itemStatesSchema.parse(r.itemStates),
      grandTotal: r.grandTotal,
      currency: r.currency,
      placedAt: r.placedAt,
      updatedAt: r.updatedAt,
      isCancellable: r.itemsCancellable && nowIso < r.cancellableUntil,
      cancellableUntil: r.cancellableUntil,
      version: r.version,
    })),
    nextCursor: rows.length > input.limit && last ? encodeCursor([String(last.id)]) : null,
  };
}

/** Orders with effects that ran out of attempts, most recently changed first. */
export async function listDeadEffects<S extends Record<string, unknown>>(
  db: DrizzleD1Database<S>,
  input: { cursor?: string | undefined; limit: number },
): Promise<DeadEffectsList | { badCursor: true }> {
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
    orders: page.map((r) => ({
      ...r,
      effects: r.effects === null ? [] : deadEffects.parse(r.effects),
    })),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor([last.updatedAt, last.reference]) : null,
  };
}
