import { DurableObject } from "cloudflare:workers";

interface AllocationRow extends Record<string, SqlStorageValue> {
  number: number;
}

/**
 * The gap-free invoice number sequence: one global instance (`getByName("global")`).
 * A single object serialises every allocation, so "highest + 1" cannot race; the per-order
 * row makes a redelivered job get the number it got the first time.
 */
export class InvoiceNumbers extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS allocations (
          order_reference TEXT PRIMARY KEY,
          number INTEGER NOT NULL UNIQUE,
          allocated_at TEXT NOT NULL
        )`,
      );
    });
  }

  /** The order's invoice number: allocated once (highest + 1), the same on every later call. */
  async allocate(orderReference: string): Promise<{ number: number }> {
    if (typeof orderReference !== "string" || orderReference.length === 0)
      throw new TypeError("allocate needs an order reference");
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const known = sql
        .exec<AllocationRow>(
          "SELECT number FROM allocations WHERE order_reference = ?",
          orderReference,
        )
        .toArray()[0];
      if (known) return { number: known.number };
      const next = sql
        .exec<AllocationRow>("SELECT COALESCE(MAX(number), 0) + 1 AS number FROM allocations")
        .one().number;
      sql.exec(
        "INSERT INTO allocations (order_reference, number, allocated_at) VALUES (?, ?, ?)",
        orderReference,
        next,
        new Date().toISOString(),
      );
      return { number: next };
    });
  }
}
