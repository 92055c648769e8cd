import { z } from "zod";
import {
  DEFAULT_UNIT_CODE,
  defaultCategory,
  type TaxCategory,
  taxCategory,
} from "../domain/einvoice";
import type { HistoryView } from "../domain/history";
import { type RememberedAnswer, rememberedAnswer } from "../domain/idempotency";
import { jsonObject } from "../domain/json";
import { type OutboxKind, outboxKind } from "../domain/outbox";
import {
  type Change,
  type Effect,
  type Item,
  type Line,
  type NewHistoryEntry,
  type OrderHeader,
  type OrderState,
  orderHeaderSchema,
  type Shipment,
  shipmentSchema,
  type Timer,
} from "../engine/model";
import { itemContextSchema } from "../machines/item-process";

/** A SQL failure, wrapped with the statement that failed. */
export class SqlError extends Error {
  constructor(
    readonly statement: string,
    cause: unknown,
  ) {
    super(
      `SQL failed: ${statement.slice(0, 200)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Migrations by version; each runs once, in order. A new object has no schema at all: it is
 * created with the placement, so asking an unknown reference writes nothing.
 */
/** A migration step: a statement, or statements chosen by the columns a table has now. */
export type MigrationStep = string | ((columns: (table: string) => string[]) => string[]);

/** The statements a step stands for, given the columns each table has now. */
export const statementsOf = (step: MigrationStep, columns: (table: string) => string[]) =>
  typeof step === "string" ? [step] : step(columns);

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
};
const SCHEMA_VERSION = 7;

/**
 * A new order's schema in its final form, created in one step with the placement: the tables
 * and columns migrations 1 to 7 make of an older object (test/durable/schema.test.ts holds them
 * to that), without their ALTERs. Keyed tables are WITHOUT ROWID (the key is the table: one
 * row written per row, not two); `idempotency` is created by the first command that needs it.
 * There is no `meta`: an object with an order and no `meta` is at SCHEMA_VERSION 7, the first
 * version created without it (a later migration creates it). The outbox has no index and numbers
 * its rows without AUTOINCREMENT (which rewrote its counter row with every row inserted): an
 * effect's row is one row written, not three or four. Every table and index is a page (4 kB) of
 * the object's storage, billed for as long as the order is kept.
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
];

/** Created on first use: most orders never see a command with an idempotency key. */
export const IDEMPOTENCY_TABLE = `CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL, response TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID`;

/** The ERP delivery that goes next: the lowest sequence not yet delivered or given up. */
const EXPORT_HEAD = `(SELECT MIN(sequence) FROM outbox WHERE kind = 'erp' AND status = 'pending')`;

/** The schedule's row for the earliest expiry of an idempotency record (the TTL bound). */
const IDEMPOTENCY_EXPIRY = `UNION ALL SELECT NULL, 'idempotency', NULL, NULL, NULL, MIN(at) + ?
  FROM idempotency`;

/** SQLite allows few bound parameters per statement (100 on D1): stay under them. */
const MAX_PARAMS = 99;
/** A stored error message is for a person: long enough to read, never a large value. */
const MAX_ERROR_LENGTH = 1_000;

type Row = Record<string, SqlStorageValue>;

// Rows are parsed, not cast: a column of the wrong type is a storage fault with a clear message.
function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new Error(`column ${column} is not text`);
  return value;
}
function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== "number") throw new Error(`column ${column} is not a number`);
  return value;
}
function optStr(row: Row, column: string): string | null {
  return row[column] === null ? null : str(row, column);
}
function optNum(row: Row, column: string): number | null {
  return row[column] === null ? null : num(row, column);
}
function json<T>(schema: z.ZodType<T>, row: Row, column: string): T {
  return schema.parse(JSON.parse(str(row, column)));
}

const stringArray = z.array(z.string());

export type OutboxStatus = "pending" | "dead";

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  payload: string;
  attempts: number;
  /** ERP deliveries only: the order's event number. */
  sequence: number | null;
}

/** An outbox row waiting for its moment. */
export interface ScheduledRow extends OutboxRow {
  nextAt: number;
}

/** What waits for a moment, and the earliest moment anything is due (null: nothing). */
export interface Schedule {
  rows: ScheduledRow[];
  next: number | null;
}

/** An ERP delivery as D1's index of deliveries keeps it. */
export interface ExportRow {
  sequence: number;
  type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  nextAt: number | null;
  revision: number;
}

/** An outbox row as operators see it. */
export interface OutboxEntry {
  id: number;
  kind: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  nextAt: number | null;
  lastError: string | null;
}

export interface IdempotencyRecord {
  requestHash: string;
  answer: RememberedAnswer;
}

/** The order's SQLite: schema, reads (parsed) and writes. Callers own the transactions. */
export class OrderStore {
  private hasSchema = false;
  /** Whether the schema version is kept in `meta` (objects created before version 7). */
  private hasMeta = false;
  /** Whether the idempotency table exists. */
  private hasIdempotency = false;
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /** Runs `work` as one SQLite transaction: all of it is written, or none. */
  transaction<T>(work: () => T): T {
    return this.storage.transactionSync(work);
  }

  private exec<T extends Row = Row>(statement: string, ...bindings: SqlStorageValue[]) {
    try {
      return this.sql.exec<T>(statement, ...bindings);
    } catch (error) {
      throw new SqlError(statement, error);
    }
  }

  /**
   * Brings an existing order's schema up to date; an object that holds no order stays empty
   * (the check only reads).
   */
  open(): void {
    this.lookUpSchema();
    // One transaction: a migration applies whole or not at all.
    if (this.hasSchema) this.transaction(() => this.migrate());
  }

  private lookUpSchema(): void {
    const tables = new Set(
      this.exec(
        `SELECT name FROM sqlite_master WHERE type = 'table'
         AND name IN ('meta', 'order_header', 'idempotency')`,
      )
        .toArray()
        .map((r) => str(r, "name")),
    );
    this.hasSchema = tables.has("order_header");
    this.hasMeta = tables.has("meta");
    this.hasIdempotency = tables.has("idempotency");
  }

  /** Creates the schema for a new order (inside the placement's transaction). */
  create(): void {
    // One call: SQLite runs the statements one after the other.
    this.exec(FRESH_SCHEMA.join(";\n"));
    this.hasSchema = true;
  }

  private migrate(): void {
    // No `meta`: created in its final form at version 7 (FRESH_SCHEMA).
    if (!this.hasMeta) return;
    const row = this.exec(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
    let version = row ? Number(str(row, "value")) : 0;
    while (version < SCHEMA_VERSION) {
      version += 1;
      for (const step of migrations[version] ?? [])
        for (const statement of statementsOf(step, this.columns)) this.exec(statement);
      this.exec(
        `INSERT INTO meta (key, value) VALUES ('schema_version', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        String(version),
      );
    }
  }

  private readonly columns = (table: string): string[] =>
    this.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames;

  /** Multi-row statements, chunked under the bound-parameter limit. */
  private insertMany(prefix: string, columns: number, suffix: string, rows: SqlStorageValue[][]) {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns));
    const tuple = `(${Array(columns).fill("?").join(", ")})`;
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      this.exec(`${prefix} VALUES ${chunk.map(() => tuple).join(", ")} ${suffix}`, ...chunk.flat());
    }
  }

  private deleteMany(table: string, ids: string[]) {
    for (let i = 0; i < ids.length; i += MAX_PARAMS) {
      const chunk = ids.slice(i, i + MAX_PARAMS);
      this.exec(`DELETE FROM ${table} WHERE id IN (${chunk.map(() => "?").join(", ")})`, ...chunk);
    }
  }

  /** The whole order, or null when this object holds none. */
  load(): OrderState | null {
    if (!this.hasSchema) return null;
    const headerRow = this.exec(`SELECT data FROM order_header`).toArray()[0];
    if (!headerRow) return null;
    const header: OrderHeader = json(orderHeaderSchema, headerRow, "data");
    const lines = new Map<string, Line>();
    for (const r of this.exec(`SELECT * FROM lines ORDER BY no`)) {
      const id = str(r, "id");
      lines.set(id, {
        id,
        sku: str(r, "sku"),
        name: str(r, "name"),
        quantity: num(r, "quantity"),
        unitPrice: num(r, "unit_price"),
        taxRate: num(r, "tax_rate"),
        taxCategory: storedCategory(optStr(r, "tax_category"), num(r, "tax_rate")),
        unitCode: optStr(r, "unit_code") ?? DEFAULT_UNIT_CODE,
        isQuantitySplittable: num(r, "splittable") === 1,
      });
    }
    const items = new Map<string, Item>();
    for (const r of this.exec(`SELECT * FROM items ORDER BY no`)) {
      const id = str(r, "id");
      items.set(id, {
        id,
        lineId: str(r, "line_id"),
        quantity: num(r, "quantity"),
        shipmentId: str(r, "shipment_id"),
        state: str(r, "state"),
        context: json(itemContextSchema, r, "context"),
        stateSince: num(r, "state_since"),
      });
    }
    const shipments = new Map<string, Shipment>();
    for (const r of this.exec(`SELECT data FROM shipments ORDER BY no`)) {
      const s: Shipment = json(shipmentSchema, r, "data");
      shipments.set(s.id, s);
    }
    const timers = new Map<string, Timer>();
    for (const r of this.exec(`SELECT * FROM timers`)) {
      const id = str(r, "id");
      timers.set(id, {
        id,
        itemId: optStr(r, "item_id"),
        event: str(r, "event"),
        dueAt: num(r, "due_at"),
      });
    }
    const version = num(this.exec(`SELECT COALESCE(MAX(seq), 0) AS v FROM history`).one(), "v");
    return { header, version, lines, items, shipments, timers };
  }

  /** Writes a change; the caller wraps it in `transactionSync` with everything it belongs to. */
  write(change: Change, version: number, now: number): number {
    if (change.header)
      this.exec(
        `INSERT INTO order_header (id, data) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
        JSON.stringify(change.header),
      );
    if (change.lines?.length)
      this.insertMany(
        `INSERT INTO lines (id, no, sku, name, quantity, unit_price, tax_rate, splittable,
           tax_category, unit_code)`,
        10,
        "",
        change.lines.map((l) => [
          l.id,
          Number(l.id.slice(1)),
          l.sku,
          l.name,
          l.quantity,
          l.unitPrice,
          l.taxRate,
          l.isQuantitySplittable ? 1 : 0,
          // The defaults are not stored: a line reads back the same, and stays small.
          l.taxCategory === defaultCategory(l.taxRate) ? null : l.taxCategory,
          l.unitCode === DEFAULT_UNIT_CODE ? null : l.unitCode,
        ]),
      );
    if (change.deletedItems?.length) this.deleteMany("items", change.deletedItems);
    if (change.items.length)
      this.insertMany(
        `INSERT INTO items (id, no, line_id, quantity, shipment_id, state, context, state_since)`,
        8,
        `ON CONFLICT (id) DO UPDATE SET quantity = excluded.quantity,
           shipment_id = excluded.shipment_id, state = excluded.state, context = excluded.context,
           state_since = excluded.state_since`,
        change.items.map((i) => [
          i.id,
          Number(i.id.slice(1)),
          i.lineId,
          i.quantity,
          i.shipmentId,
          i.state,
          JSON.stringify(i.context),
          i.stateSince,
        ]),
      );
    if (change.deletedShipments?.length) this.deleteMany("shipments", change.deletedShipments);
    if (change.shipments?.length)
      this.insertMany(
        `INSERT INTO shipments (id, no, data)`,
        3,
        `ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
        change.shipments.map((s) => [s.id, Number(s.id.slice(1)), JSON.stringify(s)]),
      );
    if (change.deletedTimers.length) this.deleteMany("timers", change.deletedTimers);
    if (change.timers.length)
      this.insertMany(
        `INSERT INTO timers (id, item_id, event, due_at)`,
        4,
        `ON CONFLICT (id) DO UPDATE SET item_id = excluded.item_id, event = excluded.event,
           due_at = excluded.due_at`,
        change.timers.map((t) => [t.id, t.itemId, t.event, t.dueAt]),
      );
    let seq = version;
    const seqOf = new Map<NewHistoryEntry, number>();
    if (change.history.length)
      this.insertMany(
        `INSERT INTO history (seq, at, actor, type, event, item_ids, from_state, to_state, data)`,
        9,
        "",
        change.history.map((h) => {
          seqOf.set(h, ++seq);
          return historyRow(seq, h);
        }),
      );
    for (const effect of change.effects) {
      if (effect.kind === "credit-note" && typeof effect.key !== "number") {
        const key = seqOf.get(effect.key);
        if (key === undefined) throw new Error("a credit note names an entry outside its change");
        this.enqueue({ kind: "credit-note", key }, now, seq);
      } else this.enqueue(effect, now, seq);
    }
    return seq;
  }

  /** The history entry with this seq, or null. */
  historyEntry(seq: number): HistoryView | null {
    const row = this.exec(`SELECT * FROM history WHERE seq = ?`, seq).toArray()[0];
    return row ? historyEntry(row) : null;
  }

  /**
   * The seqs of money entries after `version` that carry credit-note content (`data.credit`):
   * the moves an invoice billed at `version` has not seen.
   */
  creditEntriesAfter(version: number): number[] {
    return this.exec(
      `SELECT seq FROM history WHERE seq > ? AND type IN ('cancellation', 'refund')
         AND json_extract(data, '$.credit') IS NOT NULL ORDER BY seq`,
      version,
    )
      .toArray()
      .map((r) => num(r, "seq"));
  }

  /** The seq of the history entry that recorded the invoice (invoices recorded before versions). */
  invoiceEntrySeq(): number | null {
    const row = this.exec(
      `SELECT MIN(seq) AS seq FROM history WHERE type = 'invoice-issued'`,
    ).toArray()[0];
    return row ? optNum(row, "seq") : null;
  }

  private enqueue(effect: Effect, now: number, version: number) {
    if (effect.kind === "erp") {
      // The next number of the order's event stream; due at once only when nothing is ahead of
      // it (the one ahead promotes it when it is delivered or given up).
      this.exec(
        `INSERT INTO outbox (kind, payload, next_at, created_at, sequence, revision)
         VALUES ('erp', ?,
           CASE WHEN ${EXPORT_HEAD} IS NULL THEN ? END, ?,
           (SELECT COALESCE(MAX(sequence), 0) + 1 FROM outbox WHERE kind = 'erp'), 1)`,
        JSON.stringify({ ...effect, version }),
        now,
        now,
      );
      return;
    }
    this.exec(
      `INSERT INTO outbox (kind, payload, next_at, created_at) VALUES (?, ?, ?, ?)`,
      effect.kind,
      JSON.stringify(effect),
      now,
      now,
    );
  }

  /**
   * One projection row per order, kept for the order's life: a request makes it pending (a
   * newer version replaces the one waiting; a dead or done row starts a new round of attempts),
   * delivery marks it `done`. One row rewritten in place, never deleted and inserted anew.
   */
  requestProjection(version: number, dueAt: number, now: number) {
    // A fresh payload per request: a projection in flight is then not taken as the last one
    // (outboxDone finishes the row only if nobody asked again meanwhile).
    const payload = JSON.stringify({ version, request: crypto.randomUUID() });
    // The row is there but for the placement: an update, which (unlike an upsert into a table
    // with AUTOINCREMENT) writes that one row and no counter.
    const updated = this.exec(
      `UPDATE outbox SET payload = ?1,
         next_at = CASE WHEN status = 'pending' THEN MIN(COALESCE(next_at, ?2), ?2) ELSE ?2 END,
         attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
         created_at = CASE WHEN status = 'done' THEN ?3 ELSE created_at END,
         status = 'pending'
       WHERE dedupe_key = 'projection'`,
      payload,
      dueAt,
      now,
    ).rowsWritten;
    if (updated === 0)
      this.exec(
        `INSERT INTO outbox (kind, dedupe_key, payload, next_at, created_at)
         VALUES ('projection', 'projection', ?, ?, ?)`,
        payload,
        dueAt,
        now,
      );
  }

  /** Outbox rows due at `now`, in the order `schedule` gives them. */
  dueOutbox(now: number): OutboxRow[] {
    return this.schedule().rows.filter((row) => row.nextAt <= now);
  }

  /** An ERP delivery got its 2xx: kept as `delivered` (the sequence goes on from it). */
  exportDelivered(row: OutboxRow, now: number) {
    this.exec(
      `UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?,
         next_at = NULL, last_error = NULL, revision = revision + 1 WHERE id = ?`,
      now,
      row.id,
    );
  }

  /**
   * Makes the next ERP delivery due now, if it waits for its turn (next_at NULL). False when
   * there is none, or it is already due or backing off.
   */
  promoteExport(now: number): boolean {
    if (!this.hasSchema) return false;
    return (
      this.exec(
        `UPDATE outbox SET next_at = ?, revision = revision + 1
         WHERE kind = 'erp' AND status = 'pending' AND sequence = ${EXPORT_HEAD}
           AND next_at IS NULL`,
        now,
      ).rowsWritten > 0
    );
  }

  /**
   * An ERP attempt is on the wire until `until` at the latest (its timeout and a margin): the
   * delivery is not due before then, so nothing wakes for it meanwhile, and if the object goes
   * away mid-attempt the alarm tries again then. Not a change D1 needs to see.
   */
  leaseExport(row: OutboxRow, until: number) {
    this.exec(`UPDATE outbox SET next_at = ? WHERE id = ?`, until, row.id);
  }

  /** No place to send it to: the delivery waits (not an attempt) until an ERP URL is set. */
  parkExport(row: OutboxRow, reason: string) {
    this.exec(
      `UPDATE outbox SET next_at = NULL, last_error = ?, revision = revision + 1 WHERE id = ?`,
      reason,
      row.id,
    );
  }

  /** ERP deliveries D1 has not seen in their latest revision. */
  unprojectedExports(): ExportRow[] {
    if (!this.hasSchema) return [];
    return this.exec(
      `SELECT sequence, json_extract(payload, '$.type') AS type, status, attempts, created_at,
         last_attempt_at, last_error, next_at, revision
       FROM outbox WHERE kind = 'erp' AND revision > projected ORDER BY sequence`,
    )
      .toArray()
      .map(exportRow);
  }

  /** D1 has these revisions now (a newer one written meanwhile stays unprojected). */
  exportsProjected(rows: { sequence: number; revision: number }[]) {
    for (const row of rows)
      this.exec(
        `UPDATE outbox SET projected = ? WHERE kind = 'erp' AND sequence = ? AND revision = ?`,
        row.revision,
        row.sequence,
        row.revision,
      );
  }

  /** One ERP delivery by its sequence, or null. */
  exportBySequence(sequence: number): (ExportRow & { id: number }) | null {
    if (!this.hasSchema) return null;
    const row = this.exec(
      `SELECT id, sequence, json_extract(payload, '$.type') AS type, status, attempts, created_at,
         last_attempt_at, last_error, next_at, revision
       FROM outbox WHERE kind = 'erp' AND sequence = ?`,
      sequence,
    ).toArray()[0];
    return row ? { id: num(row, "id"), ...exportRow(row) } : null;
  }

  /**
   * Done, unless a newer request replaced the payload in the meantime: removed, or for the
   * projection, whose row stays for the next request, marked `done`.
   */
  outboxDone(row: OutboxRow) {
    if (row.kind === "projection")
      this.exec(
        `UPDATE outbox SET status = 'done', next_at = NULL, attempts = 0, last_error = NULL,
           last_attempt_at = NULL WHERE id = ? AND payload = ?`,
        row.id,
        row.payload,
      );
    else this.exec(`DELETE FROM outbox WHERE id = ? AND payload = ?`, row.id, row.payload);
  }

  /** A failed attempt: retried at `nextAt`, or `dead` when `nextAt` is null. */
  outboxFailed(row: OutboxRow, error: string, now: number, nextAt: number | null) {
    this.exec(
      `UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?, last_attempt_at = ?, status = ?,
         revision = revision + 1
       WHERE id = ?`,
      row.attempts + 1,
      nextAt,
      error.slice(0, MAX_ERROR_LENGTH),
      now,
      nextAt === null ? "dead" : "pending",
      row.id,
    );
  }

  /** A dead row gets a new round of attempts, due now. False when there is no such dead row. */
  reviveOutbox(id: number, now: number): boolean {
    return (
      this.exec(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, revision = revision + 1
         WHERE id = ? AND status = 'dead'`,
        now,
        id,
      ).rowsWritten > 0
    );
  }

  outbox(): OutboxEntry[] {
    if (!this.hasSchema) return [];
    return this.exec(
      `SELECT id, kind, status, attempts, created_at, last_attempt_at, next_at, last_error
       FROM outbox WHERE status IN ('pending', 'dead') ORDER BY id`,
    )
      .toArray()
      .map((r) => ({
        id: num(r, "id"),
        kind: str(r, "kind"),
        status: outboxStatus.parse(str(r, "status")),
        attempts: num(r, "attempts"),
        createdAt: num(r, "created_at"),
        lastAttemptAt: optNum(r, "last_attempt_at"),
        nextAt: optNum(r, "next_at"),
        lastError: optStr(r, "last_error"),
      }));
  }

  /**
   * What waits for a moment, in one read: the outbox rows that may be attempted (of the ERP
   * deliveries only the head of the stream), in the order they were written but the projection
   * last (so it carries to D1 what the others' attempts changed, in the same drain), and the
   * earliest moment anything is due: one of them, a timer, or (given `idempotencyTtl`) the
   * expiry of an idempotency record, that long after it was written.
   */
  schedule(idempotencyTtl?: number): Schedule {
    if (!this.hasSchema) return { rows: [], next: null };
    const expiring = this.hasIdempotency && idempotencyTtl !== undefined;
    const rows: ScheduledRow[] = [];
    let next: number | null = null;
    for (const r of this.exec(
      `SELECT id, kind, payload, attempts, sequence, next_at FROM outbox
       WHERE status = 'pending' AND next_at IS NOT NULL
         AND (kind != 'erp' OR sequence = ${EXPORT_HEAD})
       UNION ALL SELECT NULL, 'timer', NULL, NULL, NULL, MIN(due_at) FROM timers
       ${expiring ? IDEMPOTENCY_EXPIRY : ""}
       ORDER BY 1`,
      ...(expiring ? [idempotencyTtl] : []),
    )) {
      const at = optNum(r, "next_at");
      if (at !== null && (next === null || at < next)) next = at;
      if (r.id === null || at === null) continue;
      rows.push({
        id: num(r, "id"),
        kind: outboxKind.parse(str(r, "kind")),
        payload: str(r, "payload"),
        attempts: num(r, "attempts"),
        sequence: optNum(r, "sequence"),
        nextAt: at,
      });
    }
    // The projection's row is older than the effects of the change it is due for (it is
    // kept for the order's life): written order alone would send it first.
    const projection = rows.filter((row) => row.kind === "projection");
    return { rows: [...rows.filter((row) => row.kind !== "projection"), ...projection], next };
  }

  /** The earliest moment something is due (see `schedule`). */
  nextWakeUp(idempotencyTtl: number): number | null {
    return this.schedule(idempotencyTtl).next;
  }

  /**
   * After a failed transaction: what this instance knows of the schema may have rolled back
   * with it (a placement's new schema, a new idempotency table), so it looks again.
   */
  forget(): void {
    this.lookUpSchema();
  }

  idempotent(key: string): IdempotencyRecord | null {
    if (!this.hasIdempotency) return null;
    const row = this.exec(
      `SELECT request_hash, response FROM idempotency WHERE key = ?`,
      key,
    ).toArray()[0];
    return row
      ? { requestHash: str(row, "request_hash"), answer: json(rememberedAnswer, row, "response") }
      : null;
  }

  remember(key: string, requestHash: string, answer: RememberedAnswer, now: number) {
    if (!this.hasIdempotency) {
      this.exec(IDEMPOTENCY_TABLE);
      this.hasIdempotency = true;
    }
    this.exec(
      `INSERT INTO idempotency (key, request_hash, response, at) VALUES (?, ?, ?, ?)`,
      key,
      requestHash,
      JSON.stringify(answer),
      now,
    );
  }

  /** Forgets idempotency records written before `before`. */
  pruneIdempotency(before: number): number {
    if (!this.hasIdempotency) return 0;
    return this.exec(`DELETE FROM idempotency WHERE at < ?`, before).rowsWritten;
  }

  history(itemId?: string): HistoryView[] {
    const rows = itemId
      ? this.exec(
          `SELECT * FROM history WHERE EXISTS (SELECT 1 FROM json_each(history.item_ids) WHERE value = ?)
           ORDER BY seq`,
          itemId,
        )
      : this.exec(`SELECT * FROM history ORDER BY seq`);
    return rows.toArray().map(historyEntry);
  }
}

function historyEntry(r: Row): HistoryView {
  const event = optStr(r, "event");
  const from = optStr(r, "from_state");
  const to = optStr(r, "to_state");
  return {
    seq: num(r, "seq"),
    at: new Date(num(r, "at")).toISOString(),
    actor: str(r, "actor"),
    type: str(r, "type"),
    ...(event === null ? {} : { event }),
    itemIds: json(stringArray, r, "item_ids"),
    ...(from === null ? {} : { from }),
    ...(to === null ? {} : { to }),
    ...(r.data === null ? {} : { data: json(jsonObject, r, "data") }),
  };
}

/** Lines store their category only when it is not the default for their rate. */
function storedCategory(stored: string | null, rate: number): TaxCategory {
  if (stored === null) return defaultCategory(rate);
  const parsed = taxCategory.safeParse(stored);
  if (!parsed.success) throw new Error(`a line has an unknown VAT category ${stored}`);
  return parsed.data;
}

const outboxStatus = z.enum(["pending", "dead"]);
const exportStatus = z.enum(["pending", "delivered", "dead"]);

function exportRow(r: Row): ExportRow {
  const status = exportStatus.parse(str(r, "status"));
  return {
    sequence: num(r, "sequence"),
    type: str(r, "type"),
    // `dead` is the outbox's word; the ERP contract says `failed`.
    status: status === "dead" ? "failed" : status,
    attempts: num(r, "attempts"),
    createdAt: num(r, "created_at"),
    lastAttemptAt: optNum(r, "last_attempt_at"),
    lastError: optStr(r, "last_error"),
    nextAt: optNum(r, "next_at"),
    revision: num(r, "revision"),
  };
}

function historyRow(seq: number, h: NewHistoryEntry): SqlStorageValue[] {
  return [
    seq,
    h.at,
    h.actor,
    h.type,
    h.event ?? null,
    JSON.stringify(h.itemIds),
    h.from ?? null,
    h.to ?? null,
    h.data ? JSON.stringify(h.data) : null,
  ];
}
