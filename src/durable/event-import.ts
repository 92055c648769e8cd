import { asc, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type Db, eventImportReports, eventImports, orders } from "../db/schema";
import { sha256Hex } from "../domain/hash";
import {
  type ImportEventsInput,
  type ImportReport,
  type ImportRow,
  type ImportRowReport,
  importRow,
  type OrderImportRow,
} from "../domain/import";
import type { Actor } from "../domain/principal";
import { fail, type Result } from "../domain/result";
import type { SequenceOutcome } from "./pipeline";
import { serviceClock } from "./service-clock";

/** Order objects called at once during an import. */
const CONCURRENCY = 16;
/** Report rows per stored chunk (each well under D1's 2 MB per value). */
const REPORT_CHUNK = 1_000;
/** Custom references looked up per D1 query (under its 100 bound parameters). */
const LOOKUP_CHUNK = 90;

/**
 * A bulk status import: rows of events for many orders, as a warehouse or ERP sends them. The
 * rows are grouped per order and each order applies its rows in its own object, in one
 * transaction. The report is kept in D1 under the import id, so the same import sent again gets
 * the first report, for the whole service and for good.
 *
 * Nothing is reported before every order has answered: if an order object fails, the import
 * fails and may be sent again; orders that applied their rows already answer from their
 * idempotency record (24 hours), the others apply theirs now.
 */
export async function importEvents(
  env: Env,
  input: ImportEventsInput,
  actor: Actor,
): Promise<Result<{ report: ImportReport }>> {
  const db = drizzle(env.DB);
  const requestHash = await sha256Hex(JSON.stringify(input.rows));
  const known = await db
    .select({ requestHash: eventImports.requestHash })
    .from(eventImports)
    .where(eq(eventImports.importId, input.importId))
    .get();
  if (known) {
    if (known.requestHash !== requestHash)
      return fail("CONFLICT", "importId was already used for other rows; use a new importId", {
        importId: input.importId,
      });
    return { ok: true, report: await storedReport(db, input.importId) };
  }

  const reports: ImportRowReport[] = [];
  const byOrder = new Map<string, OrderImportRow[]>();
  const valid: { index: number; row: ImportRow }[] = [];
  for (const [index, raw] of input.rows.entries()) {
    const parsed = importRow.safeParse(raw);
    if (parsed.success) valid.push({ index, row: parsed.data });
    else {
      const issue = parsed.error.issues[0];
      const path = ["rows", index, ...(issue?.path ?? [])].join(".");
      reports.push({
        index,
        status: "invalid",
        message: `${path}: ${issue?.message ?? "invalid"}`,
      });
    }
  }
  const custom = await lookUpCustomReferences(
    db,
    valid.flatMap(({ row }) =>
      "customOrderReference" in row.order ? [row.order.customOrderReference] : [],
    ),
  );
  for (const { index, row } of valid) {
    let reference: string;
    if ("reference" in row.order) reference = row.order.reference;
    else {
      const found = custom.get(row.order.customOrderReference) ?? [];
      if (found.length !== 1) {
        reports.push(
          found.length === 0
            ? {
                index,
                status: "unknown-order",
                message: "order.customOrderReference: no order has this reference",
              }
            : {
                index,
                status: "invalid",
                message: `order.customOrderReference: ${found.length} orders have this reference (${found.slice(0, 5).join(", ")})`,
              },
        );
        continue;
      }
      reference = found[0] ?? "";
    }
    const rows = byOrder.get(reference) ?? [];
    rows.push({ index, event: row.event, item: row.item, quantity: row.quantity });
    byOrder.set(reference, rows);
  }

  const orderResults = await inBatches([...byOrder], CONCURRENCY, async ([reference, rows]) => ({
    reference,
    rows,
    result: await env.ORDERS.getByName(reference).importEvents(
      { importId: input.importId, rows },
      actor,
    ),
  }));
  for (const { reference, rows, result } of orderResults) {
    if (!result.ok && result.code === "CONFLICT")
      return fail("CONFLICT", "importId was already used for other rows; use a new importId", {
        importId: input.importId,
        orderReference: reference,
      });
    for (const [i, row] of rows.entries())
      reports.push(
        result.ok
          ? rowReport(row.index, reference, result.outcomes[i] ?? null)
          : {
              index: row.index,
              status: result.code === "NOT_FOUND" ? "unknown-order" : "invalid",
              orderReference: reference,
              message:
                result.code === "NOT_FOUND" ? "order.reference: no such order" : result.message,
            },
      );
  }
  reports.sort((a, b) => a.index - b.index);
  const report: ImportReport = {
    importId: input.importId,
    counts: countsOf(reports),
    rows: reports,
  };
  const createdAt = new Date((await serviceClock(env))()).toISOString();
  await storeReport(db, { importId: input.importId, requestHash, createdAt }, reports);
  return { ok: true, report };
}

function rowReport(
  index: number,
  orderReference: string,
  outcome: SequenceOutcome,
): ImportRowReport {
  if (outcome === null) return { index, status: "applied", orderReference };
  const states = outcome.details?.states;
  return {
    index,
    status: outcome.code === "PRECONDITION_FAILED" ? "skipped" : "invalid",
    orderReference,
    message: outcome.message,
    ...(Array.isArray(states) ? { states: states as ImportRowReport["states"] } : {}),
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

/** Custom reference -> the orders that carry it (more than one: the row is ambiguous). */
async function lookUpCustomReferences(db: Db, values: string[]) {
  const distinct = [...new Set(values)];
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
  return found;
}

async function storeReport(
  db: Db,
  {
    importId,
    requestHash,
    createdAt,
  }: { importId: string; requestHash: string; createdAt: string },
  rows: ImportRowReport[],
) {
  const chunks = [];
  for (let i = 0; i < rows.length; i += REPORT_CHUNK) chunks.push(rows.slice(i, i + REPORT_CHUNK));
  // Two imports with the same id at once compute the same report (the orders answer the second
  // from their idempotency records): whichever lands first is kept.
  await db.batch([
    db
      .insert(eventImports)
      .values({ importId, requestHash, rows: rows.length, createdAt })
      .onConflictDoNothing(),
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
  const rows = chunks.flatMap((c) => JSON.parse(c.rows) as ImportRowReport[]);
  return { importId, counts: countsOf(rows), rows };
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
