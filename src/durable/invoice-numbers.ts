import { DurableObject } from "cloudflare:workers";
import { documentType } from "../domain/invoices";

interface NumberRow extends Record<string, SqlStorageValue> {
  number: number;
}

/**
 * The gap-free number sequences, one per series (`invoice`, `credit-note`), in one global
 * instance (`getByName("global")`). A single object serialises every allocation, so "highest + 1"
 * cannot race; the row per key (an invoice: its order; a credit note: its order and money entry)
 * makes a redelivered job get the number it got the first time.
 */
export class InvoiceNumbers extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec(
        `CREATE TABLE IF NOT EXISTS numbers (
          series TEXT NOT NULL,
          key TEXT NOT NULL,
          number INTEGER NOT NULL,
          allocated_at TEXT NOT NULL,
          PRIMARY KEY (series, key),
          UNIQUE (series, number)
        ) WITHOUT ROWID`,
      );
      // Invoice numbers allocated before the series existed: one per order, carried over.
      const old = sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'allocations'")
        .toArray();
      if (old.length > 0)
        ctx.storage.transactionSync(() => {
          sql.exec(
            `INSERT OR IGNORE INTO numbers (series, key, number, allocated_at)
             SELECT 'invoice', order_reference, number, allocated_at FROM allocations`,
          );
          sql.exec("DROP TABLE allocations");
        });
    });
  }

  /**
   * The number of `key` in `series`: allocated once (highest + 1), the same on every later call.
   * Invoices use their order reference as key, credit notes `<order reference>#<history seq>`.
   */
  async allocate(series: string, key: string): Promise<{ number: number }> {
    if (!documentType.safeParse(series).success) throw new TypeError(`unknown series ${series}`);
    if (typeof key !== "string" || key.length === 0) throw new TypeError("allocate needs a key");
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const known = sql
        .exec<NumberRow>("SELECT number FROM numbers WHERE series = ? AND key = ?", series, key)
        .toArray()[0];
      if (known) return { number: known.number };
      const next = sql
        .exec<NumberRow>(
          "SELECT COALESCE(MAX(number), 0) + 1 AS number FROM numbers WHERE series = ?",
          series,
        )
        .one().number;
      sql.exec(
        "INSERT INTO numbers (series, key, number, allocated_at) VALUES (?, ?, ?, ?)",
        series,
        key,
        next,
        new Date().toISOString(),
      );
      return { number: next };
    });
  }
}
