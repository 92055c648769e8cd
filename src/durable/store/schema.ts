import { type Row, type Sql, str } from "./sql";

/**
 * The order object's SQLite schema: the tables a new order is created with, the migrations that
 * bring an older object to the same form, and what an object holds now.
 */

/** A migration step: a statement, or statements chosen by the columns a table has now. */
export type MigrationStep = string | ((columns: (table: string) => string[]) => string[]);

/** The statements a step stands for, given the columns each table has now. */
export const statementsOf = (step: MigrationStep, columns: (table: string) => string[]) =>
  typeof step === "string" ? [step] : step(columns);

/**
 * Migrations by version; each runs once, in order, on objects created before version 7 (they
 * keep their version in `meta`). A new object has no schema at all: it is created in its final
 * form with the placement (FRESH_SCHEMA), so asking an unknown reference writes nothing.
 */
const ORDER_VERSIONS_TABLE = `CREATE TABLE IF NOT EXISTS order_versions (seq INTEGER PRIMARY KEY,
  version INTEGER NOT NULL, delta TEXT NOT NULL)`;

export const migrations: Record<number, MigrationStep[]> = {
  1: [
    `CREATE TABLE order_header (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)`,
    `CREATE TABLE lines (id TEXT PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
       quantity INTEGER NOT NULL, unit_price INTEGER NOT NULL, tax_rate REAL NOT NULL,
       splittable INTEGER NOT NULL)`,
    `CREATE TABLE items (id TEXT PRIMARY KEY, no INTEGER NOT NULL, line_id TEXT NOT NULL,
       quantity INTEGER NOT NULL, shipment_id TEXT NOT NULL, state TEXT NOT NULL, context TEXT NOT NULL)`,
    `CREATE TABLE shipments (id TEXT PRIMARY KEY, no INTEGER NOT NULL, data TEXT NOT NULL)`,
    `CREATE TABLE history (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,
       type TEXT NOT NULL, event TEXT, item_ids TEXT NOT NULL, from_state TEXT, to_state TEXT, data TEXT)`,
    `CREATE TABLE timers (id TEXT PRIMARY KEY, item_id TEXT, event TEXT NOT NULL, due_at INTEGER NOT NULL)`,
    `CREATE INDEX timers_due ON timers (due_at)`,
    `CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
       dedupe_key TEXT UNIQUE, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
       next_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL)`,
    `CREATE INDEX outbox_next ON outbox (next_at)`,
    `CREATE TABLE idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL,
       response TEXT NOT NULL, at INTEGER NOT NULL)`,
  ],
  // Outbox rows end: delivered rows are deleted, rows out of attempts stay as `dead` (visible,
  // retryable). Idempotency records expire, so they are found by age.
  2: [
    `ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'`,
    `ALTER TABLE outbox ADD COLUMN last_attempt_at INTEGER`,
    `CREATE INDEX idempotency_at ON idempotency (at)`,
  ],
  // ERP events are deliveries: a gap-free sequence per order, kept as `delivered` once sent (the
  // sequence continues from them), and a revision per row so D1's index of deliveries can be
  // version-guarded like the order row (`projected`: the revision D1 has). Rows written before
  // (notifyErp, never sent) become the first deliveries, in the order they were written.
  3: [
    `ALTER TABLE outbox ADD COLUMN sequence INTEGER`,
    `ALTER TABLE outbox ADD COLUMN revision INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE outbox ADD COLUMN projected INTEGER NOT NULL DEFAULT 0`,
    `CREATE UNIQUE INDEX outbox_sequence ON outbox (sequence) WHERE sequence IS NOT NULL`,
    `UPDATE outbox SET
       payload = json_object('kind', 'erp', 'type', 'order.exported', 'at', created_at,
         'customOrderReference',
         (SELECT json_extract(data, '$.customOrderReference') FROM order_header),
         'data', json_object('itemIds', json(COALESCE(json_extract(payload, '$.itemIds'), '[]'))),
         'version', (SELECT COALESCE(MAX(seq), 0) FROM history)),
       sequence = (SELECT COUNT(*) FROM outbox o WHERE o.kind = 'erp' AND o.id <= outbox.id),
       revision = 1
     WHERE kind = 'erp'`,
    `UPDATE outbox SET next_at = created_at WHERE kind = 'erp' AND sequence = 1`,
    `UPDATE order_header SET data = json_set(data, '$.exportedAt',
       (SELECT MIN(created_at) FROM outbox WHERE kind = 'erp'))
     WHERE EXISTS (SELECT 1 FROM outbox WHERE kind = 'erp')`,
  ],
  // Each item knows when it entered its state. Items stored before take the time of the last
  // history entry that moved them into it (self-transitions do not count), or the placement.
  4: [
    `ALTER TABLE items ADD COLUMN state_since INTEGER NOT NULL DEFAULT 0`,
    `UPDATE items SET state_since = COALESCE(
       (SELECT MAX(h.at) FROM history h
        WHERE h.to_state = items.state AND (h.from_state IS NULL OR h.from_state <> h.to_state)
          AND EXISTS (SELECT 1 FROM json_each(h.item_ids) WHERE value = items.id)),
       (SELECT json_extract(data, '$.placedAt') FROM order_header), 0)`,
  ],
  // Lines carry their number (new objects keep lines, items, shipments and timers WITHOUT ROWID,
  // where there is no rowid to order by; objects stored before number theirs in rowid order).
  // Indexes of small tables go: scanning a few rows costs less than an index entry per write.
  5: [
    (columns) =>
      columns("lines").includes("no")
        ? []
        : [
            `ALTER TABLE lines ADD COLUMN no INTEGER NOT NULL DEFAULT 0`,
            `UPDATE lines SET no = rowid`,
          ],
    `DROP INDEX IF EXISTS timers_due`,
    `DROP INDEX IF EXISTS outbox_next`,
    `DROP INDEX IF EXISTS idempotency_at`,
  ],
  // Lines carry their VAT category and unit code (e-invoices). Lines stored before have neither:
  // they read as S above 0 %, Z at 0 %, unit C62.
  6: [
    (columns) =>
      columns("lines").includes("tax_category")
        ? []
        : [
            `ALTER TABLE lines ADD COLUMN tax_category TEXT`,
            `ALTER TABLE lines ADD COLUMN unit_code TEXT`,
          ],
  ],
  // The outbox is a handful of rows: a scan finds the next ERP delivery or the projection's row
  // for less than an index entry per row written costs (its sequence stays unique by the one
  // statement that numbers it).
  7: [`DROP INDEX IF EXISTS outbox_sequence`],
  // The order as it was at each version (`orders.at`): what each change did to the header,
  // lines, items and shipments. An object from before starts its log with a base row: the order
  // as it is when it migrates (src/durable/store/version-log.ts writes it).
  8: [ORDER_VERSIONS_TABLE],
};
const SCHEMA_VERSION = 8;

/**
 * A new order's schema in its final form, created in one step with the placement: the tables
 * and columns migrations 1 to 8 make of an older object (test/durable/schema.test.ts holds them
 * to that), without their ALTERs. Keyed tables are WITHOUT ROWID (the key is the table: one
 * row written per row, not two); `idempotency` is created by the first command that needs it.
 * There is no `meta`: an object with an order and no `meta` is at SCHEMA_VERSION 7, the first
 * version created without it (a later migration creates it). The outbox has no index and numbers
 * its rows without AUTOINCREMENT (which rewrote its counter row with every row inserted): an
 * effect's row is one row written, not three or four. Every table and index is a page (4 kB) of
 * the object's storage, billed for as long as the order is kept. Objects created without `meta`
 * at version 7 have no `order_versions`: `migrate` gives them the table (version 8).
 */
export const FRESH_SCHEMA = [
  `CREATE TABLE order_header (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)`,
  `CREATE TABLE lines (id TEXT PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
     quantity INTEGER NOT NULL, unit_price INTEGER NOT NULL, tax_rate REAL NOT NULL,
     splittable INTEGER NOT NULL, no INTEGER NOT NULL DEFAULT 0, tax_category TEXT,
     unit_code TEXT) WITHOUT ROWID`,
  `CREATE TABLE items (id TEXT PRIMARY KEY, no INTEGER NOT NULL, line_id TEXT NOT NULL,
     quantity INTEGER NOT NULL, shipment_id TEXT NOT NULL, state TEXT NOT NULL, context TEXT NOT NULL,
     state_since INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`,
  `CREATE TABLE shipments (id TEXT PRIMARY KEY, no INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE history (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,
     type TEXT NOT NULL, event TEXT, item_ids TEXT NOT NULL, from_state TEXT, to_state TEXT, data TEXT)`,
  `CREATE TABLE timers (id TEXT PRIMARY KEY, item_id TEXT, event TEXT NOT NULL,
     due_at INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE outbox (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
     dedupe_key TEXT, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending', last_attempt_at INTEGER, sequence INTEGER,
     revision INTEGER NOT NULL DEFAULT 0, projected INTEGER NOT NULL DEFAULT 0)`,
  ORDER_VERSIONS_TABLE,
];

/** Created on first use: most orders never see a command with an idempotency key. */
export const IDEMPOTENCY_TABLE = `CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL, response TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`;

/** What an object's SQLite holds now. */
export interface SchemaFacts {
  /** An order's tables: the object holds an order. */
  hasSchema: boolean;
  /** The schema version is kept in `meta` (objects created before version 7). */
  hasMeta: boolean;
  hasIdempotency: boolean;
  /** The version log (schema version 8). */
  hasVersions: boolean;
}

/** Reads what the object holds; only reads, so an object without an order stays empty. */
export function lookUpSchema(sql: Sql): SchemaFacts {
  const tables = new Set(
    sql
      .exec(
        `SELECT name FROM sqlite_master WHERE type = 'table'
         AND name IN ('meta', 'order_header', 'idempotency', 'order_versions')`,
      )
      .toArray()
      .map((r: Row) => str(r, "name")),
  );
  return {
    hasSchema: tables.has("order_header"),
    hasMeta: tables.has("meta"),
    hasIdempotency: tables.has("idempotency"),
    hasVersions: tables.has("order_versions"),
  };
}

/** Creates a new order's schema (inside the placement's transaction). */
export function createSchema(sql: Sql): void {
  // One call: SQLite runs the statements one after the other.
  sql.exec(FRESH_SCHEMA.join(";\n"));
}

/**
 * Runs the migrations an object has not had (inside a transaction). Returns whether the version
 * log was created now: the caller then writes its base row.
 */
export function migrate(sql: Sql, facts: Pick<SchemaFacts, "hasMeta" | "hasVersions">): boolean {
  // No `meta`: created in its final form at version 7 (FRESH_SCHEMA then) or 8.
  if (!facts.hasMeta) {
    if (facts.hasVersions) return false;
    for (const step of migrations[8] ?? [])
      for (const statement of statementsOf(step, (t) => sql.columns(t))) sql.exec(statement);
    return true;
  }
  const row = sql.exec(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
  let version = row ? Number(str(row, "value")) : 0;
  const columns = (table: string) => sql.columns(table);
  while (version < SCHEMA_VERSION) {
    version += 1;
    for (const step of migrations[version] ?? [])
      for (const statement of statementsOf(step, columns)) sql.exec(statement);
    sql.exec(
      `INSERT INTO meta (key, value) VALUES ('schema_version', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      String(version),
    );
  }
  return !facts.hasVersions;
}
