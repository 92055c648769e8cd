import { z } from "zod";
import { PLACEMENT_KEY_SLOTS } from "./schema";

const countRow = z.object({ n: z.number() });

/**
 * Archives closed orders out of the D1 read model: orders with nothing waiting and nothing
 * reserved (every item in a final state: no `order_waiting_groups` or `order_reserved` row)
 * that did not change for `retentionMs`, oldest placement first, at most `limit` per call. Their
 * rows go from `orders` (the triggers take them out of the search and state indexes) with their
 * delivered ERP deliveries; their invoices stay (legal records, a few hundred bytes each). The
 * order's Durable Object keeps the order whole: `orders.get`, its history and its commands work
 * as before, and a change projects it into D1 again. Resolves with the orders archived.
 *
 * One D1 batch (one transaction): the orders are counted, their delivered deliveries deleted,
 * then the orders, each statement picking the same orders.
 */
export async function archiveClosedOrders(
  d1: D1Database,
  now: number,
  retentionMs: number,
  limit: number,
): Promise<number> {
  const cutoff = now - retentionMs;
  const picked = `SELECT id, reference FROM orders
    WHERE id < ?1 AND updated_at < ?2
      AND NOT EXISTS (SELECT 1 FROM order_waiting_groups w WHERE w.order_reference = orders.reference)
      AND NOT EXISTS (SELECT 1 FROM order_reserved r WHERE r.order_reference = orders.reference)
    ORDER BY id LIMIT ?3`;
  const bind = [cutoff * PLACEMENT_KEY_SLOTS, new Date(cutoff).toISOString(), limit] as const;
  const [counted] = await d1.batch([
    d1.prepare(`SELECT COUNT(*) AS n FROM (${picked})`).bind(...bind),
    d1
      .prepare(
        `DELETE FROM erp_deliveries WHERE status = 'delivered'
         AND order_reference IN (SELECT reference FROM (${picked}))`,
      )
      .bind(...bind),
    d1.prepare(`DELETE FROM orders WHERE id IN (SELECT id FROM (${picked}))`).bind(...bind),
  ]);
  return countRow.parse(counted?.results[0] ?? { n: 0 }).n;
}
