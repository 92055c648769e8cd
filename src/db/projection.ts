import type { OrderSummaryRow } from "../engine/summary";
import { itemGroupStatements, type StoredItemGroups } from "./item-groups";
import { type erpDeliveries, PLACEMENT_KEY_SLOTS } from "./schema";

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
  itemGroups: StoredItemGroups;
  /**
   * What is as the order's previous projection (one D1 took) left it: no statement is sent for
   * it. Only the order object knows, and only while it runs: after a restart all is sent.
   */
  unchanged?: {
    reserved: boolean;
    waiting: boolean;
    customOrderReference: boolean;
    process?: boolean;
  };
  /** Other writes of the order to the same D1 that go in the same batch (a captured mail). */
  alongside?: D1PreparedStatement[];
}

/** The first placement key of an order placed at `placedAt` (orders.id, see schema.ts). */
export const placementKeyBase = (placedAt: string): number =>
  Date.parse(placedAt) * PLACEMENT_KEY_SLOTS;

/**
 * Writes an order's summary to D1 in one batch (`projectionStatements`); resolves with the rows
 * D1 wrote.
 */
export async function projectOrder(
  d1: D1Database,
  row: OrderSummaryRow,
  parts: ProjectionParts,
): Promise<number> {
  const results = await d1.batch(projectionStatements(d1, row, parts));
  return results.reduce((n, r) => n + r.meta.rows_written, 0);
}

/**
 * The statements of an order's projection, for one batch. Version-guarded: a late or repeated
 * write never overwrites a newer one, so projections may be retried and arrive out of order.
 *
 * A new order's row gets its placement key (`orders.id`): the first free one of its placement
 * millisecond, so orders of one millisecond are numbered as D1 hears of them.
 *
 * An update sets only what changes over an order's life and leaves the indexed columns alone
 * (SQLite rewrites an index whenever its column is assigned): one row written instead of four.
 * The custom reference, indexed too, is assigned only when it differs. The search columns are
 * taken from the inserted row (`excluded`, not bound twice), so rows projected before they
 * existed fill in; the search index re-indexes only when one really changed (the
 * `*_order_search.sql` migration). The order's ERP deliveries, reserved units and waiting items
 * follow in the same batch.
 */
export function projectionStatements(
  d1: D1Database,
  row: OrderSummaryRow,
  parts: ProjectionParts,
): D1PreparedStatement[] {
  const statements = [
    d1
      .prepare(UPSERT_ORDER)
      .bind(
        row.reference,
        row.customerReference,
        row.customOrderReference ?? null,
        row.customerEmail,
        row.customerName,
        row.skus,
        row.state,
        JSON.stringify(row.itemStates),
        row.grandTotal,
        row.currency,
        row.placedAt,
        row.updatedAt,
        row.cancellableUntil,
        row.itemsCancellable ? 1 : 0,
        row.customerVisible ? 1 : 0,
        row.deadEffects === null ? null : JSON.stringify(row.deadEffects),
        row.version,
        placementKeyBase(row.placedAt),
        row.process,
      ),
  ];
  if (!parts.unchanged?.customOrderReference)
    statements.push(
      d1
        .prepare(SET_CUSTOM_REFERENCE)
        .bind(row.reference, row.version, row.customOrderReference ?? null),
    );
  // Indexed too, and it changes only when a migration moves the order to another version.
  if (!parts.unchanged?.process)
    statements.push(d1.prepare(SET_PROCESS).bind(row.reference, row.version, row.process));
  for (let i = 0; i < parts.exports.length; i += DELIVERIES_PER_STATEMENT) {
    const chunk = parts.exports.slice(i, i + DELIVERIES_PER_STATEMENT);
    statements.push(
      d1
        .prepare(upsertDeliveries(chunk.length))
        .bind(
          ...chunk.flatMap((d) => [
            d.id,
            d.orderReference,
            d.sequence,
            d.type,
            d.status,
            d.attempts,
            d.lastAttemptAt ?? null,
            d.lastError ?? null,
            d.nextAttemptAt ?? null,
            d.createdAt,
            d.revision,
          ]),
        ),
    );
  }
  statements.push(
    ...itemGroupStatements(d1, row.reference, row.version, parts.itemGroups, parts.unchanged),
  );
  statements.push(...(parts.alongside ?? []));
  return statements;
}

// The projection's statements as fixed text (the hot path of every order change: no query
// builder runs per projection). Their columns are those of `orders` and `erp_deliveries` in
// schema.ts; test/db tests run them against the migrated D1.

const UPSERT_ORDER = `INSERT INTO orders (id, reference, customer_reference, custom_order_reference,
    customer_email, customer_name, skus, state, item_states, grand_total, currency, placed_at,
    updated_at, cancellable_until, items_cancellable, customer_visible, dead_effects, version,
    process)
  VALUES ((SELECT COALESCE(MAX(id) + 1, ?18) FROM orders WHERE id BETWEEN ?18 AND ?18 + ${PLACEMENT_KEY_SLOTS - 1}),
    ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?19)
  ON CONFLICT (reference) DO UPDATE SET state = excluded.state,
    item_states = excluded.item_states, updated_at = excluded.updated_at,
    items_cancellable = excluded.items_cancellable, customer_visible = excluded.customer_visible,
    dead_effects = excluded.dead_effects, version = excluded.version,
    customer_email = excluded.customer_email, customer_name = excluded.customer_name,
    skus = excluded.skus
  WHERE excluded.version >= orders.version`;

const SET_CUSTOM_REFERENCE = `UPDATE orders SET custom_order_reference = ?3
  WHERE reference = ?1 AND version = ?2 AND custom_order_reference IS NOT ?3`;

const SET_PROCESS = `UPDATE orders SET process = ?3
  WHERE reference = ?1 AND version = ?2 AND process IS NOT ?3`;

const upsertDeliveries = (rows: number) =>
  `INSERT INTO erp_deliveries (id, order_reference, sequence, type, status, attempts,
    last_attempt_at, last_error, next_attempt_at, created_at, revision)
  VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
  ON CONFLICT (order_reference, sequence) DO UPDATE SET status = excluded.status,
    attempts = excluded.attempts,
    last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error,
    next_attempt_at = excluded.next_attempt_at, revision = excluded.revision
  WHERE excluded.revision > erp_deliveries.revision`;
