import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { type Db, eventImportReports, eventImports, orders } from "../db/schema";
import { sha256Hex } from "../domain/hash";
import { IDEMPOTENCY_TTL_MS, type SequenceOutcome } from "../domain/idempotency";
import {
  type ImportEventsInput,
  type ImportReport,
  type ImportResolution,
  type ImportRow,
  type ImportRowReport,
  importResolution,
  importRow,
  importRowReport,
  type OrderImportRow,
  refusedState,
} from "../domain/import";
import type { Actor } from "../domain/principal";
import { fail, type Result } from "../domain/result";
import { serviceClock } from "./service-clock";

const refusedStates = z.array(refusedState);
const reportRows = z.array(importRowReport);

/** Order objects called at once during an import. */
const CONCURRENCY = 16;
/** Report rows per stored chunk (each well under D1's 2 MB per value). */
const REPORT_CHUNK = 1_000;
/** Custom references looked up per D1 query (under its 100 bound parameters). */
const LOOKUP_CHUNK = 90;

/** An import's claim as D1 keeps it. */
interface Claim {
  requestHash: string;
  createdAt: string;
  finishedAt: string | null;
  resolved: string | null;
}

/**
 * A bulk status import: rows of events for many orders, as a warehouse or ERP sends them. The
 * rows are grouped per order and each order applies its rows in its own object, in one
 * transaction, idempotently by the import id.
 *
 * All or nothing per import id: the first write is the claim, one unique insert in D1 of the
 * import id with the hash of its rows (and where each row's custom reference pointed), before
 * any row runs. Another import with that id and other rows is refused and changes nothing. The
 * same rows again join the claimed import: once it finished they get its report; while it runs
 * (sent twice at once) or after it failed halfway (sent again), they run its rows where the
 * claim sends them, and every order answers a row it already applied from its own record, so
 * each row is applied once and every caller gets the same report. The order objects keep those
 * records for 24 hours: an import left unfinished for longer is refused rather than resumed.
 */
export async function importEvents(
  env: Env,
  input: ImportEventsInput,
  actor: Actor,
): Promise<Result<{ report: ImportReport }>> {
  const db = drizzle(env.DB);
  const rows = parseRows(input.rows);
  if (input.dryRun) return { ok: true, report: await dryRun(env, db, input.importId, rows, actor) };
  const requestHash = await sha256Hex(JSON.stringify(input.rows));
  const now = (await serviceClock(env))();
  const claim =
    (await readClaim(db, input.importId)) ??
    (await claimImport(db, {
      importId: input.importId,
      requestHash,
      rows: input.rows.length,
      createdAt: new Date(now).toISOString(),
      resolved: JSON.stringify(await resolve(db, rows)),
    }));
  if (claim.requestHash !== requestHash)
    return fail("CONFLICT", "importId was already used for other rows; use a new importId", {
      importId: input.importId,
    });
  if (claim.finishedAt !== null)
    return { ok: true, report: await storedReport(db, input.importId) };
  if (now - Date.parse(claim.createdAt) > IDEMPOTENCY_TTL_MS)
    return fail(
      "PRECONDITION_FAILED",
      `importId ${input.importId} started at ${claim.createdAt} and never finished; its orders no longer remember which rows they applied, so it cannot resume: check the orders' histories and send what is missing under a new importId`,
      { importId: input.importId },
    );

  const resolution = importResolution.parse(JSON.parse(claim.resolved ?? "{}"));
  const { byOrder, reports } = route(rows, resolution);
  const orderResults = await inBatches([...byOrder], CONCURRENCY, async ([reference, rows]) => ({
    reference,
    rows,
    result: await env.ORDERS.getByName(reference).importEvents(
      { importId: input.importId, rows },
      actor,
    ),
  }));
  for (const { reference, rows, result } of orderResults) {
    // Only if the order took rows under this id that the claim never had (the claim was lost).
    if (!result.ok && result.code === "CONFLICT")
      return fail("CONFLICT", "importId was already used for other rows; use a new importId", {
        importId: input.importId,
        orderReference: reference,
      });
    for (const [i, row] of rows.entries()) reports.push(orderRowReport(row, reference, result, i));
  }
  reports.sort((a, b) => a.index - b.index);
  const report: ImportReport = {
    importId: input.importId,
    counts: countsOf(reports),
    rows: reports,
  };
  const finishedAt = new Date((await serviceClock(env))()).toISOString();
  await storeReport(db, input.importId, finishedAt, reports);
  return { ok: true, report };
}

/**
 * What an import would do, each order computing its rows as it stands now; nothing is written:
 * no claim of the import id, no report kept. Custom references are looked up in D1 now.
 */
async function dryRun(
  env: Env,
  db: Db,
  importId: string,
  rows: ParsedRow[],
  actor: Actor,
): Promise<ImportReport> {
  const { byOrder, reports } = route(rows, await resolve(db, rows));
  const orderResults = await inBatches([...byOrder], CONCURRENCY, async ([reference, rows]) => ({
    reference,
    rows,
    result: await env.ORDERS.getByName(reference).importEvents(
      { importId, rows, dryRun: true },
      actor,
    ),
  }));
  for (const { reference, rows, result } of orderResults)
    for (const [i, row] of rows.entries()) reports.push(orderRowReport(row, reference, result, i));
  reports.sort((a, b) => a.index - b.index);
  return { importId, dryRun: true, counts: countsOf(reports), rows: reports };
}

/** A row's report from its order's answer to the rows it was sent. */
function orderRowReport(
  row: OrderImportRow,
  reference: string,
  result: Result<{ outcomes: SequenceOutcome[] }>,
  i: number,
): ImportRowReport {
  if (result.ok) return rowReport(row.index, reference, result.outcomes[i] ?? null);
  return {
    index: row.index,
    status: result.code === "NOT_FOUND" ? "unknown-order" : "invalid",
    orderReference: reference,
    message: result.code === "NOT_FOUND" ? "order.reference: no such order" : result.message,
  };
}

type ParsedRow = { index: number; row: ImportRow } | { index: number; report: ImportRowReport };

/** Each row checked alone: a malformed row is `invalid`, the others go on. */
function parseRows(rows: unknown[]): ParsedRow[] {
  return rows.map((raw, index) => {
    const parsed = importRow.safeParse(raw);
    if (parsed.success) return { index, row: parsed.data };
    const issue = parsed.error.issues[0];
    const path = ["rows", index, ...(issue?.path ?? [])].join(".");
    return {
      index,
      report: { index, status: "invalid", message: `${path}: ${issue?.message ?? "invalid"}` },
    };
  });
}

/** The rows per order (in row order) and the reports of rows that reach no order. */
function route(rows: ParsedRow[], resolution: ImportResolution) {
  const reports: ImportRowReport[] = [];
  const byOrder = new Map<string, OrderImportRow[]>();
  for (const parsed of rows) {
    if ("report" in parsed) {
      reports.push(parsed.report);
      continue;
    }
    const { index, row } = parsed;
    let reference: string;
    let customOrderReference: string | undefined;
    if ("reference" in row.order) reference = row.order.reference;
    else {
      const found = resolution[index] ?? { count: 0, references: [] };
      if (found.count !== 1) {
        reports.push(
          found.count === 0
            ? {
                index,
                status: "unknown-order",
                message: "order.customOrderReference: no order has this reference",
              }
            : {
                index,
                status: "invalid",
                message: `order.customOrderReference: ${found.count} orders have this reference (${found.references.join(", ")})`,
              },
        );
        continue;
      }
      reference = found.references[0] ?? "";
      customOrderReference = row.order.customOrderReference;
    }
    const orderRows = byOrder.get(reference) ?? [];
    orderRows.push({
      index,
      event: row.event,
      item: row.item,
      quantity: row.quantity,
      ...(customOrderReference === undefined ? {} : { customOrderReference }),
    });
    byOrder.set(reference, orderRows);
  }
  return { byOrder, reports };
}

async function readClaim(db: Db, importId: string): Promise<Claim | null> {
  const claim = await db
    .select(claimColumns)
    .from(eventImports)
    .where(eq(eventImports.importId, importId))
    .get();
  return claim ?? null;
}

const claimColumns = {
  requestHash: eventImports.requestHash,
  createdAt: eventImports.createdAt,
  finishedAt: eventImports.finishedAt,
  resolved: eventImports.resolved,
};

/**
 * The claim: inserted unless the id is taken, then read back, in one D1 batch (a transaction).
 * Of imports sent at once with one id, the first insert wins and every one reads the winner.
 */
async function claimImport(
  db: Db,
  claim: typeof eventImports.$inferInsert & { resolved: string },
): Promise<Claim> {
  const [, read] = await db.batch([
    db.insert(eventImports).values(claim).onConflictDoNothing(),
    db.select(claimColumns).from(eventImports).where(eq(eventImports.importId, claim.importId)),
  ]);
  const stored = read[0];
  if (!stored) throw new Error(`import ${claim.importId}: the claim was not stored`);
  return stored;
}

function rowReport(
  index: number,
  orderReference: string,
  outcome: SequenceOutcome,
): ImportRowReport {
  if (outcome === null) return { index, status: "applied", orderReference };
  const states = refusedStates.safeParse(outcome.details?.states);
  return {
    index,
    status:
      outcome.code === "PRECONDITION_FAILED"
        ? "skipped"
        : outcome.code === "NOT_FOUND"
          ? "unknown-order"
          : "invalid",
    orderReference,
    message: outcome.message,
    ...(states.success ? { states: states.data } : {}),
  };
}

function countsOf(rows: ImportRowReport[]): ImportReport["counts"] {
  const counts = { applied: 0, skipped: 0, unknownOrder: 0, invalid: 0 };
  for (const row of rows) {
    if (row.status === "unknown-order") counts.unknownOrder += 1;
    else counts[row.status] += 1;
  }
  return counts;
}

/** Where each row that names its order by custom reference points in D1 now. */
async function resolve(db: Db, rows: ParsedRow[]): Promise<ImportResolution> {
  const custom = rows.flatMap((parsed) =>
    "row" in parsed && "customOrderReference" in parsed.row.order
      ? [{ index: parsed.index, value: parsed.row.order.customOrderReference }]
      : [],
  );
  const distinct = [...new Set(custom.map((c) => c.value))];
  const found = new Map<string, string[]>();
  for (let i = 0; i < distinct.length; i += LOOKUP_CHUNK) {
    const rows = await db
      .select({ reference: orders.reference, custom: orders.customOrderReference })
      .from(orders)
      .where(inArray(orders.customOrderReference, distinct.slice(i, i + LOOKUP_CHUNK)));
    for (const { reference, custom } of rows) {
      if (custom === null) continue;
      found.set(custom, [...(found.get(custom) ?? []), reference]);
    }
  }
  const resolution: ImportResolution = {};
  for (const { index, value } of custom) {
    const references = found.get(value) ?? [];
    resolution[index] = { count: references.length, references: references.slice(0, 5) };
  }
  return resolution;
}

/**
 * The report, and the claim marked finished, in one D1 batch. Imports that ran the same claim
 * at once computed the same report (the orders answer the later one from their records): the
 * first to land is kept.
 */
async function storeReport(db: Db, importId: string, finishedAt: string, rows: ImportRowReport[]) {
  const chunks = [];
  for (let i = 0; i < rows.length; i += REPORT_CHUNK) chunks.push(rows.slice(i, i + REPORT_CHUNK));
  await db.batch([
    db
      .update(eventImports)
      .set({ finishedAt, resolved: null })
      .where(and(eq(eventImports.importId, importId), isNull(eventImports.finishedAt))),
    ...chunks.map((chunk, i) =>
      db
        .insert(eventImportReports)
        .values({ importId, chunk: i, rows: JSON.stringify(chunk) })
        .onConflictDoNothing(),
    ),
  ]);
}

async function storedReport(db: Db, importId: string): Promise<ImportReport> {
  const chunks = await db
    .select({ rows: eventImportReports.rows })
    .from(eventImportReports)
    .where(eq(eventImportReports.importId, importId))
    .orderBy(asc(eventImportReports.chunk));
  const rows = chunks.flatMap((c) => reportRows.parse(JSON.parse(c.rows)));
  return { importId, counts: countsOf(rows), rows };
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  // One iterator shared by the workers: each takes the next item when it is free.
  const queue = items.entries();
  const worker = async () => {
    for (const [i, item] of queue) results[i] = await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
