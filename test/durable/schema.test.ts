import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  FRESH_SCHEMA,
  IDEMPOTENCY_TABLE,
  type MigrationStep,
  migrations,
  statementsOf,
} from "../../src/durable/order-store";

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
    expect(fresh).toEqual(migrated);
  });
});
