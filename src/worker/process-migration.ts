import { placementKeyBase } from "../db/projection";
import { PLACEMENT_KEY_SLOTS } from "../db/schema";
import type { JsonObject } from "../domain/json";
import type { Actor } from "../domain/principal";
import {
  type MigrateInput,
  type MigrationReport,
  type MigrationStatus,
  migrationStatus,
  type OrderMigration,
  type StateMove,
} from "../domain/process-migration";
import type { ProcessId } from "../domain/processes";

/**
 * `processes.migrate` in the Worker: it goes through the orders the D1 read model lists on the
 * `from` process, page by page, and asks each order's object to move itself (one transaction
 * there). A dry run does it with `dryRun` and answers the report at once. A real run is a row in
 * `process_migrations` with a cursor: it runs in the background under a lease, writes what each
 * order did to `process_migration_orders`, and is resumed (by calling migrate with its id again,
 * or by the cron) from its cursor; orders recorded as moved are not asked again.
 */

/** Orders read from D1 per page, and asked at once. */
const PAGE = 50;
const AT_ONCE = 10;
/** How long a runner holds a migration without renewing its lease. */
const LEASE_MS = 60_000;

export interface MigrationRun {
  migrationId: string;
  from: ProcessId;
  to: ProcessId;
  stateMap: Record<string, string>;
}

interface OrderRef {
  id: number;
  reference: string;
}

type Visit = { reference: string } & (OrderMigration | { outcome: "unreachable"; reason: string });

/**
 * The orders D1 lists on `from` (or not knowing their process yet) after `cursor`, oldest first.
 * Two index ranges (`orders_process`), each stopping at the page, merged here: one query with
 * `OR` would collect and sort every match for each page.
 */
async function ordersOn(db: D1Database, from: string, cursor: number, untilKey: number) {
  const page = (where: string) =>
    db
      .prepare(
        `SELECT id, reference FROM orders WHERE ${where} AND id > ?2 AND id <= ?3
         ORDER BY id LIMIT ${PAGE}`,
      )
      .bind(from, cursor, untilKey);
  const [known, unknown] = await db.batch<OrderRef>([
    page("process = ?1"),
    page("process IS NULL"),
  ]);
  return [...(known?.results ?? []), ...(unknown?.results ?? [])]
    .sort((a, b) => a.id - b.id)
    .slice(0, PAGE);
}

async function visit(
  env: Env,
  run: MigrationRun,
  dryRun: boolean,
  actor: Actor,
  orders: OrderRef[],
) {
  const visits: Visit[] = [];
  for (let i = 0; i < orders.length; i += AT_ONCE) {
    const chunk = orders.slice(i, i + AT_ONCE);
    const settled = await Promise.allSettled(
      chunk.map((o) => env.ORDERS.getByName(o.reference).migrateProcess({ ...run, dryRun }, actor)),
    );
    for (const [j, result] of settled.entries()) {
      const reference = chunk[j]?.reference ?? "";
      if (result.status === "rejected")
        visits.push({ reference, outcome: "unreachable", reason: String(result.reason) });
      else if (!result.value.ok)
        visits.push({ reference, outcome: "unreachable", reason: result.value.message });
      else visits.push({ reference, ...result.value.migration });
    }
  }
  return visits;
}

/** The dry run: every order on `from` placed until now, asked what it would do. */
export async function dryRunMigration(
  env: Env,
  input: MigrateInput,
  actor: Actor,
  now: number,
): Promise<MigrationReport> {
  const run: MigrationRun = { migrationId: "dry-run", ...input };
  const untilKey = untilKeyOf(now);
  const visits: Visit[] = [];
  for (let cursor = 0; ; ) {
    const page = await ordersOn(env.DB, input.from, cursor, untilKey);
    if (page.length === 0) break;
    visits.push(...(await visit(env, run, true, actor, page)));
    cursor = page[page.length - 1]?.id ?? cursor;
  }
  return reportOf(input.from, input.to, visits);
}

function reportOf(from: ProcessId, to: ProcessId, visits: Visit[]): MigrationReport {
  const moves = new Map<string, StateMove & { orders: number }>();
  const report: MigrationReport = { from, to, moved: 0, finished: 0, moves: [], cannot: [] };
  for (const v of visits) {
    if (v.outcome === "moved") {
      report.moved += 1;
      for (const m of v.moves) {
        const key = `${m.from}\u0000${m.to}`;
        const sum = moves.get(key) ?? { from: m.from, to: m.to, items: 0, quantity: 0, orders: 0 };
        sum.items += m.items;
        sum.quantity += m.quantity;
        sum.orders += 1;
        moves.set(key, sum);
      }
    } else if (v.outcome === "finished") report.finished += 1;
    else if (v.outcome === "blocked")
      report.cannot.push({
        reference: v.reference,
        outcome: "blocked",
        reason: v.reason,
        states: v.states,
      });
    else if (v.outcome === "unreachable")
      report.cannot.push({
        reference: v.reference,
        outcome: "unreachable",
        reason: v.reason,
        states: [],
      });
  }
  report.moves = [...moves.values()];
  return report;
}

/** A run covers the orders placed before it started. */
const untilKeyOf = (now: number) =>
  placementKeyBase(new Date(now).toISOString()) + PLACEMENT_KEY_SLOTS - 1;

/**
 * Starts a run, or resumes the one `migrationId` names (a finished one goes through the orders
 * again, for those it could not move then). Answers the id; the caller runs `runMigration`.
 * Null: the id names a run of other processes or another map.
 */
export async function startMigration(
  env: Env,
  run: MigrationRun,
  actor: Actor,
  now: number,
): Promise<"started" | "resumed" | "conflict"> {
  const stateMap = JSON.stringify(run.stateMap);
  const inserted = await env.DB.prepare(
    `INSERT INTO process_migrations (id, from_process, to_process, state_map, actor, status,
       started_at, until_key) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)
     ON CONFLICT (id) DO NOTHING`,
  )
    .bind(run.migrationId, run.from, run.to, stateMap, actorText(actor), iso(now), untilKeyOf(now))
    .run();
  if (inserted.meta.changes > 0) return "started";
  const resumed = await env.DB.prepare(
    `UPDATE process_migrations SET status = 'running', finished_at = NULL,
       cursor = CASE WHEN status = 'finished' THEN 0 ELSE cursor END
     WHERE id = ?1 AND from_process = ?2 AND to_process = ?3 AND state_map = ?4`,
  )
    .bind(run.migrationId, run.from, run.to, stateMap)
    .run();
  return resumed.meta.changes > 0 ? "resumed" : "conflict";
}

const actorText = (actor: Actor) =>
  actor.type === "user" ? `${actor.role}:${actor.sub}` : actor.type;
const iso = (ms: number) => new Date(ms).toISOString();

interface MigrationRow {
  id: string;
  from_process: string;
  to_process: string;
  state_map: string;
  actor: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  until_key: number;
  cursor: number;
}

/**
 * Runs a migration to its end while it holds the lease; returns when done, when another runner
 * holds it, or when a page fails (the lease runs out and the cron resumes it).
 */
export async function runMigration(env: Env, migrationId: string, actor: Actor): Promise<void> {
  const owner = crypto.randomUUID();
  for (;;) {
    const now = Date.now();
    const row = await env.DB.prepare(
      `UPDATE process_migrations SET lease_owner = ?2, lease_until = ?3
       WHERE id = ?1 AND status = 'running'
         AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until < ?4)
       RETURNING *`,
    )
      .bind(migrationId, owner, now + LEASE_MS, now)
      .first<MigrationRow>();
    if (!row) return;
    const run = runOf(row);
    const page = await ordersOn(env.DB, run.from, row.cursor, row.until_key);
    if (page.length === 0) {
      await env.DB.prepare(
        `UPDATE process_migrations SET status = 'finished', finished_at = ?3, lease_owner = NULL,
           lease_until = NULL WHERE id = ?1 AND lease_owner = ?2`,
      )
        .bind(migrationId, owner, iso(Date.now()))
        .run();
      return;
    }
    const moved = await env.DB.prepare(
      `SELECT reference FROM process_migration_orders WHERE migration_id = ?1
         AND outcome = 'moved' AND reference IN (SELECT value FROM json_each(?2))`,
    )
      .bind(migrationId, JSON.stringify(page.map((o) => o.reference)))
      .all<{ reference: string }>();
    const done = new Set(moved.results.map((r) => r.reference));
    const visits = (
      await visit(
        env,
        run,
        false,
        actor,
        page.filter((o) => !done.has(o.reference)),
      )
    ).flatMap((v): Visit[] => {
      if (v.outcome !== "other-process") return [v];
      // On `to` already: an earlier attempt of this run moved it and stopped before recording.
      // On another process: D1 did not know its process; it is none of this run's business.
      return v.process === run.to
        ? [{ reference: v.reference, outcome: "moved", moves: [], version: 0 }]
        : [];
    });
    const cursor = page[page.length - 1]?.id ?? row.cursor;
    await env.DB.batch([
      ...recordStatements(env.DB, migrationId, visits, Date.now()),
      env.DB.prepare(
        "UPDATE process_migrations SET cursor = ?3 WHERE id = ?1 AND lease_owner = ?2",
      ).bind(migrationId, owner, cursor),
    ]);
  }
}

function runOf(row: MigrationRow): MigrationRun {
  const status = migrationStatus.shape;
  return {
    migrationId: row.id,
    from: status.from.parse(row.from_process),
    to: status.to.parse(row.to_process),
    stateMap: status.stateMap.parse(JSON.parse(row.state_map)),
  };
}

/** D1 binds at most 100 parameters per statement; an outcome row binds 6. */
const OUTCOMES_PER_STATEMENT = 16;

function recordStatements(db: D1Database, migrationId: string, visits: Visit[], now: number) {
  const rows = visits.map((v) => [
    migrationId,
    v.reference,
    v.outcome,
    "reason" in v ? v.reason : null,
    JSON.stringify(v.outcome === "moved" ? v.moves : v.outcome === "blocked" ? v.states : []),
    iso(now),
  ]);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += OUTCOMES_PER_STATEMENT) {
    const chunk = rows.slice(i, i + OUTCOMES_PER_STATEMENT);
    statements.push(
      db
        .prepare(
          `INSERT INTO process_migration_orders (migration_id, reference, outcome, reason, detail, at)
           VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}
           ON CONFLICT (migration_id, reference) DO UPDATE SET outcome = excluded.outcome,
             reason = excluded.reason, detail = excluded.detail, at = excluded.at
           WHERE process_migration_orders.outcome <> 'moved'`,
        )
        .bind(...chunk.flat()),
    );
  }
  return statements;
}

/** A run's progress and report; null when no run has that id. */
export async function readMigration(
  db: D1Database,
  migrationId: string,
): Promise<MigrationStatus | null> {
  const row = await db
    .prepare("SELECT * FROM process_migrations WHERE id = ?1")
    .bind(migrationId)
    .first<MigrationRow>();
  if (!row) return null;
  const run = runOf(row);
  const [counts, moves, cannot, left] = await db.batch<JsonObject>([
    db
      .prepare(
        `SELECT outcome, COUNT(*) AS n FROM process_migration_orders WHERE migration_id = ?1
         GROUP BY outcome`,
      )
      .bind(migrationId),
    db
      .prepare(
        `SELECT json_extract(m.value, '$.from') AS "from", json_extract(m.value, '$.to') AS "to",
           SUM(json_extract(m.value, '$.items')) AS items,
           SUM(json_extract(m.value, '$.quantity')) AS quantity, COUNT(*) AS orders
         FROM process_migration_orders o, json_each(o.detail) m
         WHERE o.migration_id = ?1 AND o.outcome = 'moved' GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .bind(migrationId),
    db
      .prepare(
        `SELECT reference, outcome, reason, detail FROM process_migration_orders
         WHERE migration_id = ?1 AND outcome IN ('blocked', 'unreachable') ORDER BY reference
         LIMIT 1000`,
      )
      .bind(migrationId),
    db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM orders WHERE process = ?1 AND id > ?2 AND id <= ?3)
           + (SELECT COUNT(*) FROM orders WHERE process IS NULL AND id > ?2 AND id <= ?3) AS n`,
      )
      .bind(run.from, row.cursor, row.until_key),
  ]);
  const count = (outcome: string) =>
    Number(counts?.results.find((r) => r.outcome === outcome)?.n ?? 0);
  return migrationStatus.parse({
    migrationId,
    from: run.from,
    to: run.to,
    stateMap: run.stateMap,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    moved: count("moved"),
    finished: count("finished"),
    moves: moves?.results ?? [],
    cannot: (cannot?.results ?? []).map((r) => ({
      reference: r.reference,
      outcome: r.outcome,
      reason: r.reason ?? "",
      states: r.outcome === "blocked" ? JSON.parse(String(r.detail)) : [],
    })),
    left: row.status === "finished" ? 0 : Number(left?.results[0]?.n ?? 0),
  });
}

/** Runs whose runner went away (its lease ran out): the cron resumes them. */
export async function abandonedMigrations(db: D1Database, now: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM process_migrations WHERE status = 'running'
         AND (lease_until IS NULL OR lease_until < ?1)`,
    )
    .bind(now)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
