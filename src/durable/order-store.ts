import type { JsonObject } from "../domain/json";
import type { HistoryView } from "../domain/view";
import type {
  Change,
  Effect,
  Item,
  Line,
  NewHistoryEntry,
  OrderHeader,
  OrderState,
  Shipment,
  Timer,
} from "../engine/model";

/** A SQL failure, wrapped with the statement that failed. */
export class SqlError extends Error {
  constructor(
    readonly statement: string,
    cause: unknown,
  ) {
    super(
      `SQL failed: ${statement.slice(0, 200)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

const SCHEMA_VERSION = 1;

/** Migrations by version; each runs once, in order, inside the constructor's blockConcurrencyWhile. */
const migrations: Record<number, string[]> = {
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
};

/** SQLite allows few bound parameters per statement (100 on D1): stay under them. */
const MAX_PARAMS = 99;

type Row = Record<string, SqlStorageValue>;

export interface OutboxRow {
  id: number;
  kind: string;
  payload: string;
  attempts: number;
}

export class OrderStore {
  /** Rows written by this instance (since it started): the cost the benchmarks report. */
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {}

  private exec<T extends Row = Row>(statement: string, ...bindings: SqlStorageValue[]) {
    try {
      const cursor = this.sql.exec<T>(statement, ...bindings);
      this.rowsWritten += cursor.rowsWritten;
      return cursor;
    } catch (error) {
      throw new SqlError(statement, error);
    }
  }

  migrate(): void {
    this.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const row = this.exec<{ value: string }>(
      `SELECT value FROM meta WHERE key = 'schema_version'`,
    ).toArray()[0];
    let version = row ? Number(row.value) : 0;
    while (version < SCHEMA_VERSION) {
      version += 1;
      for (const statement of migrations[version] ?? []) this.exec(statement);
      this.exec(
        `INSERT INTO meta (key, value) VALUES ('schema_version', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        String(version),
      );
    }
  }

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

  load(): OrderState | null {
    const headerRow = this.exec<{ data: string }>(`SELECT data FROM order_header`).toArray()[0];
    if (!headerRow) return null;
    const header = JSON.parse(headerRow.data) as OrderHeader;
    const lines = new Map<string, Line>();
    for (const r of this.exec(`SELECT * FROM lines ORDER BY rowid`))
      lines.set(String(r.id), {
        id: String(r.id),
        sku: String(r.sku),
        name: String(r.name),
        quantity: Number(r.quantity),
        unitPrice: Number(r.unit_price),
        taxRate: Number(r.tax_rate),
        isQuantitySplittable: r.splittable === 1,
      });
    const items = new Map<string, Item>();
    for (const r of this.exec(`SELECT * FROM items ORDER BY no`))
      items.set(String(r.id), {
        id: String(r.id),
        lineId: String(r.line_id),
        quantity: Number(r.quantity),
        shipmentId: String(r.shipment_id),
        state: String(r.state),
        context: JSON.parse(String(r.context)),
      });
    const shipments = new Map<string, Shipment>();
    for (const r of this.exec(`SELECT data FROM shipments ORDER BY no`)) {
      const s = JSON.parse(String(r.data)) as Shipment;
      shipments.set(s.id, s);
    }
    const timers = new Map<string, Timer>();
    for (const r of this.exec(`SELECT * FROM timers`))
      timers.set(String(r.id), {
        id: String(r.id),
        itemId: r.item_id === null ? null : String(r.item_id),
        event: String(r.event),
        dueAt: Number(r.due_at),
      });
    const version = Number(
      this.exec<{ v: number }>(`SELECT COALESCE(MAX(seq), 0) AS v FROM history`).one().v,
    );
    return { header, version, lines, items, shipments, timers };
  }

  /** Writes a change; the caller wraps it in `transactionSync` with everything it belongs to. */
  write(change: Change, version: number): number {
    if (change.header)
      this.exec(
        `INSERT INTO order_header (id, data) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
        JSON.stringify(change.header),
      );
    if (change.lines?.length)
      this.insertMany(
        `INSERT INTO lines (id, sku, name, quantity, unit_price, tax_rate, splittable)`,
        7,
        "",
        change.lines.map((l) => [
          l.id,
          l.sku,
          l.name,
          l.quantity,
          l.unitPrice,
          l.taxRate,
          l.isQuantitySplittable ? 1 : 0,
        ]),
      );
    if (change.deletedItems?.length) this.deleteMany("items", change.deletedItems);
    if (change.items.length)
      this.insertMany(
        `INSERT INTO items (id, no, line_id, quantity, shipment_id, state, context)`,
        7,
        `ON CONFLICT (id) DO UPDATE SET quantity = excluded.quantity,
           shipment_id = excluded.shipment_id, state = excluded.state, context = excluded.context`,
        change.items.map((i) => [
          i.id,
          Number(i.id.slice(1)),
          i.lineId,
          i.quantity,
          i.shipmentId,
          i.state,
          JSON.stringify(i.context),
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
    if (change.history.length)
      this.insertMany(
        `INSERT INTO history (seq, at, actor, type, event, item_ids, from_state, to_state, data)`,
        9,
        "",
        change.history.map((h) => historyRow(++seq, h)),
      );
    for (const effect of change.effects) this.enqueue(effect, change.history[0]?.at ?? Date.now());
    return seq;
  }

  private enqueue(effect: Effect, now: number) {
    // ERP export has no transport yet: it waits in the outbox (next_at NULL) for the ERP issue.
    const nextAt = effect.kind === "erp" ? null : now;
    this.exec(
      `INSERT INTO outbox (kind, payload, next_at, created_at) VALUES (?, ?, ?, ?)`,
      effect.kind,
      JSON.stringify(effect),
      nextAt,
      now,
    );
  }

  /** One pending projection per order: a newer version replaces the one waiting. */
  requestProjection(version: number, now: number) {
    this.exec(
      `INSERT INTO outbox (kind, dedupe_key, payload, next_at, created_at)
       VALUES ('projection', 'projection', ?, ?, ?)
       ON CONFLICT (dedupe_key) DO UPDATE SET payload = excluded.payload,
         next_at = MIN(COALESCE(outbox.next_at, excluded.next_at), excluded.next_at)`,
      JSON.stringify({ version }),
      now,
      now,
    );
  }

  dueOutbox(now: number): OutboxRow[] {
    return this.exec<{ id: number; kind: string; payload: string; attempts: number }>(
      `SELECT id, kind, payload, attempts FROM outbox
       WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY id`,
      now,
    ).toArray();
  }

  /** Done: removed, unless a newer projection replaced the payload in the meantime. */
  outboxDone(row: OutboxRow) {
    this.exec(`DELETE FROM outbox WHERE id = ? AND payload = ?`, row.id, row.payload);
  }

  outboxFailed(row: OutboxRow, error: unknown, now: number) {
    const attempts = row.attempts + 1;
    const backoff = Math.min(1000 * 2 ** attempts, 5 * 60_000);
    this.exec(
      `UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?`,
      attempts,
      now + backoff,
      error instanceof Error ? error.message : String(error),
      row.id,
    );
  }

  pendingOutbox(): {
    kind: string;
    attempts: number;
    nextAt: number | null;
    lastError: string | null;
  }[] {
    return this.exec<{
      kind: string;
      attempts: number;
      next_at: number | null;
      last_error: string | null;
    }>(`SELECT kind, attempts, next_at, last_error FROM outbox ORDER BY id`)
      .toArray()
      .map((r) => ({
        kind: r.kind,
        attempts: r.attempts,
        nextAt: r.next_at,
        lastError: r.last_error,
      }));
  }

  /** The earliest moment something is due: a timer or an outbox retry. */
  nextWakeUp(): number | null {
    const row = this.exec<{ t: number | null }>(
      `SELECT MIN(t) AS t FROM (
         SELECT MIN(due_at) AS t FROM timers
         UNION ALL SELECT MIN(next_at) FROM outbox WHERE next_at IS NOT NULL)`,
    ).one();
    return row.t === null ? null : Number(row.t);
  }

  idempotent(key: string): { requestHash: string; response: string } | null {
    const row = this.exec<{ request_hash: string; response: string }>(
      `SELECT request_hash, response FROM idempotency WHERE key = ?`,
      key,
    ).toArray()[0];
    return row ? { requestHash: row.request_hash, response: row.response } : null;
  }

  remember(key: string, requestHash: string, response: unknown, now: number) {
    this.exec(
      `INSERT INTO idempotency (key, request_hash, response, at) VALUES (?, ?, ?, ?)`,
      key,
      requestHash,
      JSON.stringify(response),
      now,
    );
  }

  history(itemId?: string): HistoryView[] {
    const rows = itemId
      ? this.exec(
          `SELECT * FROM history WHERE EXISTS (SELECT 1 FROM json_each(history.item_ids) WHERE value = ?)
           ORDER BY seq`,
          itemId,
        )
      : this.exec(`SELECT * FROM history ORDER BY seq`);
    return rows.toArray().map((r) => ({
      seq: Number(r.seq),
      at: new Date(Number(r.at)).toISOString(),
      actor: String(r.actor),
      type: String(r.type),
      ...(r.event === null ? {} : { event: String(r.event) }),
      itemIds: JSON.parse(String(r.item_ids)) as string[],
      ...(r.from_state === null ? {} : { from: String(r.from_state) }),
      ...(r.to_state === null ? {} : { to: String(r.to_state) }),
      ...(r.data === null ? {} : { data: JSON.parse(String(r.data)) as JsonObject }),
    }));
  }
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
