import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  FRESH_SCHEMA,
  IDEMPOTENCY_TABLE,
  type MigrationStep,
  migrations,
  statementsOf,
} from "../../src/durable/store/schema";
import { clientAs, orderInput, settled } from "../helpers";

type Sql = SqlStorage;

/** Every table's columns as SQLite reports them, and the named indexes, of one database. */
function describeSchema(sql: Sql) {
  const tables = sql
    .exec<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name`,
    )
    .toArray()
    .map((t) => t.name);
  return {
    tables: Object.fromEntries(
      tables.map((table) => [
        table,
        sql
          .exec(`PRAGMA table_info(${table})`)
          .toArray()
          .map((c) => ({
            name: c.name,
            type: c.type,
            // The key of a WITHOUT ROWID table is NOT NULL by itself; an older object's rowid
            // table would take a NULL key, which no code ever writes.
            notnull: c.pk ? 1 : c.notnull,
            default: c.dflt_value,
            pk: c.pk,
          })),
      ]),
    ),
    indexes: sql
      .exec<{ name: string; tbl_name: string }>(
        `SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'
           AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name`,
      )
      .toArray()
      .map((i) => `${i.tbl_name}.${i.name}`),
  };
}

function migrateFromNothing(sql: Sql) {
  const columns = (table: string) => sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames;
  sql.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  const versions = Object.keys(migrations)
    .map(Number)
    .sort((a, b) => a - b);
  for (const version of versions)
    for (const step of migrations[version] as MigrationStep[])
      for (const statement of statementsOf(step, columns)) sql.exec(statement);
}

/** A fresh object of the order namespace that holds no order (nothing but what a test writes). */
const emptyObject = (name: string) => env.ORDERS.getByName(`${name}-${crypto.randomUUID()}`);

describe("the order object's schema", () => {
  it("a new order's schema has the tables, columns and indexes the migrations give an older object", async () => {
    const fresh = await runInDurableObject(emptyObject("SCHEMA-FRESH"), (_o, state) => {
      const sql = state.storage.sql;
      for (const statement of FRESH_SCHEMA) sql.exec(statement);
      // Created on first use in a new object; the migrations created it from the start.
      sql.exec(IDEMPOTENCY_TABLE);
      return describeSchema(sql);
    });
    const migrated = await runInDurableObject(emptyObject("SCHEMA-MIGRATED"), (_o, state) => {
      migrateFromNothing(state.storage.sql);
      return describeSchema(state.storage.sql);
    });
    expect(Object.keys(fresh.tables)).toContain("items");
    // An older object keeps its schema version in `meta`; a new one has none (it is at 7).
    expect(Object.keys(fresh.tables)).not.toContain("meta");
    const { meta: _meta, ...migratedTables } = migrated.tables;
    expect(fresh).toEqual({ ...migrated, tables: migratedTables });
  });

  it("an order stored by the previous version (meta, an outbox with AUTOINCREMENT and a UNIQUE key) migrates and goes on", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({}, 2));
    const stub = env.ORDERS.getByName(order.reference);
    await settled(order.reference);
    // Turn the object back into what schema version 6 created (no version log either).
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        sql.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
        sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', '6')`);
        sql.exec(`CREATE TABLE outbox_v6 (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
          dedupe_key TEXT UNIQUE, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
          next_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL,
          status TEXT NOT NULL DEFAULT 'pending', last_attempt_at INTEGER, sequence INTEGER,
          revision INTEGER NOT NULL DEFAULT 0, projected INTEGER NOT NULL DEFAULT 0)`);
        sql.exec(`INSERT INTO outbox_v6 SELECT * FROM outbox`);
        sql.exec(`DROP TABLE outbox`);
        sql.exec(`ALTER TABLE outbox_v6 RENAME TO outbox`);
        sql.exec(
          `CREATE UNIQUE INDEX outbox_sequence ON outbox (sequence) WHERE sequence IS NOT NULL`,
        );
        sql.exec(`DROP TABLE order_versions`);
      });
    });
    await evictDurableObject(stub);

    const backoffice = await clientAs("backoffice");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    await settled(order.reference);
    const d1 = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
      .bind(order.reference)
      .first<{ version: number }>();
    expect(d1?.version).toBe(paid.order.version);
    const stored = await runInDurableObject(stub, (_o, state) => ({
      version: state.storage.sql
        .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`)
        .one().value,
      projections: state.storage.sql
        .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'projection'`)
        .one().n,
      indexes: describeSchema(state.storage.sql).indexes,
      versionLog: state.storage.sql
        .exec<{ version: number; base: number }>(
          `SELECT version, json_extract(delta, '$.base') IS NOT NULL AS base FROM order_versions ORDER BY seq`,
        )
        .toArray(),
    }));
    // Migrated to 8: no index on the outbox but its column's UNIQUE; still one projection row;
    // the version log begins with the order as it was when it migrated, then the payment.
    expect(stored).toEqual({
      version: "8",
      projections: 1,
      indexes: [],
      versionLog: [
        { version: order.version, base: 1 },
        { version: paid.order.version, base: 0 },
      ],
    });
  });
  it("an order created at version 7 (no meta, no version log) gets the log on open, starting with a base row", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({}, 1));
    const stub = env.ORDERS.getByName(order.reference);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec(`DROP TABLE order_versions`);
    });
    await evictDurableObject(stub);
    const backoffice = await clientAs("backoffice");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    const stored = await runInDurableObject(stub, (_o, state) => ({
      tables: describeSchema(state.storage.sql).tables,
      versionLog: state.storage.sql
        .exec<{ version: number; base: number }>(
          `SELECT version, json_extract(delta, '$.base') IS NOT NULL AS base FROM order_versions ORDER BY seq`,
        )
        .toArray(),
    }));
    // Still no meta: the table is the version's mark.
    expect(Object.keys(stored.tables)).not.toContain("meta");
    expect(stored.versionLog).toEqual([
      { version: order.version, base: 1 },
      { version: paid.order.version, base: 0 },
    ]);
  });
});
