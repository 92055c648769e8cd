import { inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { itemState, knownProcess, knownState, processId } from "../domain/processes";
import type { MatrixRow, Reservation } from "../domain/stock";
import type { ItemGroups, ReservedSku } from "../engine/item-groups";
import { stateInfo } from "../engine/step";
import type { ProcessDefinition } from "../machines/registry";
import { skuReservations, waitingCounts } from "./schema";

/**
 * JSON handed to one statement stays far below D1's 2 MB per value: an order's reserved SKUs
 * (up to 10,000 SKUs of up to 100 characters) go in chunks.
 */
const MAX_CHUNK_BYTES = 256 * 1024;

/** SQLite compares text byte by byte in UTF-8, which is code point order; so must the chunks. */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

interface SkuChunk {
  /** The chunk covers SKUs from `from` (inclusive) to `to` (exclusive); null: unbounded. */
  from: string | null;
  to: string | null;
  json: string;
}

/**
 * Sorted SKUs cut into chunks that cover the whole SKU range between them (none when there are
 * no SKUs), so each chunk's delta statement compares it with the order's old SKUs in its range
 * without seeing the other chunks.
 */
export function skuChunks(reserved: ReservedSku[]): SkuChunk[] {
  const sorted = [...reserved].sort((a, b) => byCodePoint(a.sku, b.sku));
  const encoder = new TextEncoder();
  const parts: { first: string; entries: string[] }[] = [];
  let bytes = 0;
  for (const { sku, quantity } of sorted) {
    const entry = JSON.stringify([sku, quantity]);
    const size = encoder.encode(entry).length + 1;
    const last = parts.at(-1);
    if (!last || bytes + size > MAX_CHUNK_BYTES) {
      parts.push({ first: sku, entries: [entry] });
      bytes = size;
    } else {
      last.entries.push(entry);
      bytes += size;
    }
  }
  return parts.map((part, i) => ({
    from: i === 0 ? null : part.first,
    to: parts[i + 1]?.first ?? null,
    json: `[${part.entries.join(",")}]`,
  }));
}

/**
 * An order's item groups in the form D1 keeps them (`order_reserved`, `order_waiting_groups`),
 * serialized once per projection: the statements bind it, and the order object compares it with
 * the previous projection's to leave out what did not change.
 */
export interface StoredItemGroups {
  process: string;
  /** The reserved SKUs' JSON in chunks that cover the SKU range; none when it holds nothing. */
  reserved: SkuChunk[];
  /** The waiting groups' JSON, `[[state, since, units], ...]`; `[]` when nothing waits. */
  waiting: string;
}

/** The whole SKU range with nothing in it: the delta that releases all an order held. */
const NOTHING_HELD: SkuChunk = { from: null, to: null, json: "[]" };

export function storedItemGroups(groups: ItemGroups): StoredItemGroups {
  return {
    process: groups.process,
    reserved: skuChunks(groups.reserved),
    waiting: JSON.stringify(groups.waiting.map((g) => [g.state, g.since, g.quantity])),
  };
}

/**
 * The statements that bring D1's reservation and waiting figures to this projection's item
 * groups; they run in the projection's batch right after the order row is written.
 *
 * Version-guarded like the order row: they act only when the order row now holds exactly this
 * projection's version, so a late projection (D1 has a newer one) changes nothing and a
 * repeated one finds nothing to change. They write only what differs: the per-SKU total moves
 * by the difference between the order's old and new reserved SKUs (never by the whole), an
 * order whose reserved quantities did not change (pay, confirm, export) writes no reservation
 * row, the matrix's counts (`waiting_counts`) move likewise by the difference between its old
 * and new waiting groups, and the order's own rows (`order_reserved`, `order_waiting_groups`: JSON, one row each for
 * all but huge orders) are rewritten in place only when their JSON differs. Groups `unchanged`
 * since the order's last projection that D1 took are left out altogether.
 *
 * Plain D1 statements: drizzle cannot put raw SQL with parameters into a D1 batch.
 */
export function itemGroupStatements(
  d1: D1Database,
  reference: string,
  version: number,
  groups: StoredItemGroups,
  unchanged: { reserved: boolean; waiting: boolean } = { reserved: false, waiting: false },
): D1PreparedStatement[] {
  // Every statement: ?1 the order, ?2 its version (SQLite wants exactly the parameters a
  // statement names, so each names both).
  const newest = `(SELECT version FROM orders WHERE reference = ?1) = ?2`;
  const statement = (text: string, ...rest: unknown[]) =>
    d1.prepare(text).bind(reference, version, ...rest);
  const statements: D1PreparedStatement[] = [];
  if (!unchanged.reserved) {
    const chunks = groups.reserved;
    // First the totals, by the difference to the SKUs the order held (read before they change):
    // each chunk's new SKUs (?3) against the old ones in its range (?4 inclusive, ?5 exclusive).
    for (const chunk of chunks.length > 0 ? chunks : [NOTHING_HELD])
      statements.push(
        statement(
          `INSERT INTO sku_reservations (sku, reserved)
          SELECT sku, SUM(quantity) FROM (
            SELECT json_extract(value, '$[0]') AS sku, json_extract(value, '$[1]') AS quantity
            FROM json_each(?3)
            UNION ALL
            SELECT sku, -quantity FROM (
              SELECT json_extract(held.value, '$[0]') AS sku, json_extract(held.value, '$[1]') AS quantity
              FROM order_reserved, json_each(order_reserved.skus) AS held
              WHERE order_reference = ?1
            ) WHERE (?4 IS NULL OR sku >= ?4) AND (?5 IS NULL OR sku < ?5)
          ) WHERE ${newest} GROUP BY sku HAVING SUM(quantity) <> 0
          ON CONFLICT (sku) DO UPDATE SET reserved = reserved + excluded.reserved`,
          chunk.json,
          chunk.from,
          chunk.to,
        ),
      );
    // Then the order's rows: one per chunk, none when it holds nothing.
    for (const [i, chunk] of chunks.entries())
      statements.push(
        statement(
          `INSERT INTO order_reserved (order_reference, chunk, skus) SELECT ?1, ?3, ?4 WHERE ${newest}
          ON CONFLICT (order_reference, chunk) DO UPDATE SET skus = excluded.skus
          WHERE skus IS NOT excluded.skus`,
          i,
          chunk.json,
        ),
      );
    statements.push(
      statement(
        `DELETE FROM order_reserved WHERE order_reference = ?1 AND chunk >= ?3 AND ${newest}`,
        chunks.length,
      ),
    );
  }

  if (unchanged.waiting) return statements;
  // First the matrix's counts, by the difference between the order's old groups (read before
  // they change) and its new ones (?3 its process, ?4 its groups): a count the difference takes
  // to 0 goes, the others move (a group that stays as it was is not touched).
  const delta = `WITH delta AS (
      SELECT process, state, since, SUM(units) AS units FROM (
        SELECT ?3 AS process, json_extract(value, '$[0]') AS state,
          json_extract(value, '$[1]') AS since, json_extract(value, '$[2]') AS units
        FROM json_each(?4)
        UNION ALL
        SELECT w.process, json_extract(g.value, '$[0]'), json_extract(g.value, '$[1]'),
          -json_extract(g.value, '$[2]')
        FROM order_waiting_groups w, json_each(w.groups) AS g WHERE w.order_reference = ?1
      ) WHERE ${newest} GROUP BY process, state, since HAVING SUM(units) <> 0
    )`;
  statements.push(
    statement(
      `${delta} DELETE FROM waiting_counts WHERE (process, state, since) IN (
        SELECT d.process, d.state, d.since FROM delta d JOIN waiting_counts c
          ON c.process = d.process AND c.state = d.state AND c.since = d.since
        WHERE c.units + d.units = 0)`,
      groups.process,
      groups.waiting,
    ),
    statement(
      `${delta} INSERT INTO waiting_counts (process, state, since, units)
      SELECT process, state, since, units FROM delta d
      WHERE d.units > 0 OR EXISTS (SELECT 1 FROM waiting_counts c
        WHERE c.process = d.process AND c.state = d.state AND c.since = d.since)
      ON CONFLICT (process, state, since) DO UPDATE SET units = units + excluded.units`,
      groups.process,
      groups.waiting,
    ),
  );
  // Then the order's own row. At most one group per item (10,000, each under 100 bytes): one
  // row's worth.
  statements.push(
    groups.waiting === "[]"
      ? statement(`DELETE FROM order_waiting_groups WHERE order_reference = ?1 AND ${newest}`)
      : statement(
          `INSERT INTO order_waiting_groups (order_reference, process, groups)
          SELECT ?1, ?3, ?4 WHERE ${newest}
          ON CONFLICT (order_reference) DO UPDATE SET process = excluded.process,
            groups = excluded.groups
          WHERE process IS NOT excluded.process OR groups IS NOT excluded.groups`,
          groups.process,
          groups.waiting,
        ),
  );
  return statements;
}

/** Reserved units of each SKU asked for, in the order asked; 0 for a SKU nothing holds. */
export async function reservedUnits(
  db: DrizzleD1Database<Record<string, unknown>>,
  skus: string[],
): Promise<Reservation[]> {
  const wanted = [...new Set(skus)];
  const rows = await db
    .select({ sku: skuReservations.sku, reserved: skuReservations.reserved })
    .from(skuReservations)
    .where(inArray(skuReservations.sku, wanted));
  const found = new Map(rows.map((r) => [r.sku, r.reserved]));
  return wanted.map((sku) => ({ sku, reserved: found.get(sku) ?? 0 }));
}

const DAY = 24 * 60 * 60_000;

/**
 * The order matrix: for every registered process and each of its states where items wait (all
 * but `final` ones), in the process's order, the units by time in state at `now`. A state that
 * D1 knows but no registered process has (a process removed while orders still ran on it) is
 * listed after them.
 */
export async function waitingMatrix(
  db: DrizzleD1Database<Record<string, unknown>>,
  processes: ProcessDefinition[],
  now: number,
): Promise<MatrixRow[]> {
  const dayAgo = now - DAY;
  const weekAgo = now - 7 * DAY;
  // Plain rows kept by deltas (`waiting_counts`), one per state and moment units entered it:
  // no order's JSON is read.
  const counted = await db
    .select({
      process: waitingCounts.process,
      state: waitingCounts.state,
      lessThanDay: sql<number>`COALESCE(SUM(CASE WHEN ${waitingCounts.since} > ${dayAgo} THEN ${waitingCounts.units} END), 0)`,
      lessThanWeek: sql<number>`COALESCE(SUM(CASE WHEN ${waitingCounts.since} <= ${dayAgo} AND ${waitingCounts.since} > ${weekAgo} THEN ${waitingCounts.units} END), 0)`,
      older: sql<number>`COALESCE(SUM(CASE WHEN ${waitingCounts.since} <= ${weekAgo} THEN ${waitingCounts.units} END), 0)`,
    })
    .from(waitingCounts)
    .groupBy(waitingCounts.process, waitingCounts.state);
  const byKey = new Map(counted.map((c) => [`${c.process}\u0000${c.state}`, c]));
  const rows: MatrixRow[] = [];
  for (const process of processes)
    for (const state of Object.keys(process.machine.root.states)) {
      const info = stateInfo(process, state);
      if (!info || info.flags.includes("final")) continue;
      const key = `${process.id}\u0000${state}`;
      const c = byKey.get(key);
      byKey.delete(key);
      rows.push({
        // The registry's own names: an order runs a registered process.
        process: knownProcess(process.id),
        state: knownState(state),
        display: info.display,
        lessThanDay: c?.lessThanDay ?? 0,
        lessThanWeek: c?.lessThanWeek ?? 0,
        older: c?.older ?? 0,
      });
    }
  for (const c of byKey.values())
    rows.push({
      ...c,
      // Written by the order objects, which hold only states of registered processes.
      process: processId.parse(c.process),
      state: itemState.parse(c.state),
      display: c.state,
    });
  return rows;
}
