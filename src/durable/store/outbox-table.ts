import { z } from "zod";
import { type OutboxKind, outboxKind } from "../../domain/outbox";
import type { CreditNoteEffect, Effect } from "../../engine/model";
import { IDEMPOTENCY_EXPIRY } from "./idempotency-table";
import { num, optNum, optStr, type Row, type Sql, str } from "./sql";

/**
 * The outbox: effects written with the change that caused them, the order's one projection
 * row, and the ERP deliveries, which are outbox rows numbered in a gap-free sequence (the
 * order's event stream) and sent one at a time in that order.
 */

/** An effect as its outbox row keeps it: a credit note names its history entry by seq. */
export type StoredEffect = Exclude<Effect, CreditNoteEffect> | { kind: "credit-note"; key: number };

export type OutboxStatus = "pending" | "dead";

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  payload: string;
  attempts: number;
  /** ERP deliveries only: the order's event number. */
  sequence: number | null;
}

/** An outbox row waiting for its moment. */
export interface ScheduledRow extends OutboxRow {
  nextAt: number;
}

/** What waits for a moment, and the earliest moment anything is due (null: nothing). */
export interface Schedule {
  rows: ScheduledRow[];
  next: number | null;
}

/** An ERP delivery as its outbox row keeps it (and D1's index of deliveries shows it). */
export interface StoredDelivery {
  sequence: number;
  type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  nextAt: number | null;
  revision: number;
}

/** An outbox row as operators see it. */
export interface OutboxEntry {
  id: number;
  kind: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  nextAt: number | null;
  lastError: string | null;
}

/** The ERP delivery that goes next: the lowest sequence not yet delivered or given up. */
const DELIVERY_HEAD = `(SELECT MIN(sequence) FROM outbox WHERE kind = 'erp' AND status = 'pending')`;

/** A stored error message is for a person: long enough to read, never a large value. */
const MAX_ERROR_LENGTH = 1_000;

export class OutboxTable {
  constructor(private readonly sql: Sql) {}

  /** Writes an effect of the change that made `version`, due now (ERP deliveries: in turn). */
  enqueue(effect: StoredEffect, now: number, version: number) {
    if (effect.kind === "erp") {
      // The next number of the order's event stream; due at once only when nothing is ahead of
      // it (the one ahead promotes it when it is delivered or given up).
      this.sql.exec(
        `INSERT INTO outbox (kind, payload, next_at, created_at, sequence, revision)
         VALUES ('erp', ?,
           CASE WHEN ${DELIVERY_HEAD} IS NULL THEN ? END, ?,
           (SELECT COALESCE(MAX(sequence), 0) + 1 FROM outbox WHERE kind = 'erp'), 1)`,
        JSON.stringify({ ...effect, version }),
        now,
        now,
      );
      return;
    }
    this.sql.exec(
      `INSERT INTO outbox (kind, payload, next_at, created_at) VALUES (?, ?, ?, ?)`,
      effect.kind,
      JSON.stringify(effect),
      now,
      now,
    );
  }

  /**
   * One projection row per order, kept for the order's life: a request makes it pending (a
   * newer version replaces the one waiting; a dead or done row starts a new round of attempts),
   * delivery marks it `done`. One row rewritten in place, never deleted and inserted anew.
   */
  requestProjection(version: number, dueAt: number, now: number) {
    // A fresh payload per request: a projection in flight is then not taken as the last one
    // (outboxDone finishes the row only if nobody asked again meanwhile).
    const payload = JSON.stringify({ version, request: crypto.randomUUID() });
    // The row is there but for the placement: an update, which (unlike an upsert into a table
    // with AUTOINCREMENT) writes that one row and no counter.
    const updated = this.sql.exec(
      `UPDATE outbox SET payload = ?1,
         next_at = CASE WHEN status = 'pending' THEN MIN(COALESCE(next_at, ?2), ?2) ELSE ?2 END,
         attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
         created_at = CASE WHEN status = 'done' THEN ?3 ELSE created_at END,
         status = 'pending'
       WHERE dedupe_key = 'projection'`,
      payload,
      dueAt,
      now,
    ).rowsWritten;
    if (updated === 0)
      this.sql.exec(
        `INSERT INTO outbox (kind, dedupe_key, payload, next_at, created_at)
         VALUES ('projection', 'projection', ?, ?, ?)`,
        payload,
        dueAt,
        now,
      );
  }

  /** Outbox rows due at `now`, in the order `schedule` gives them. */
  dueOutbox(now: number): OutboxRow[] {
    return this.schedule().rows.filter((row) => row.nextAt <= now);
  }

  /** An ERP delivery got its 2xx: kept as `delivered` (the sequence goes on from it). */
  deliveryDone(row: OutboxRow, now: number) {
    this.sql.exec(
      `UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?,
         next_at = NULL, last_error = NULL, revision = revision + 1 WHERE id = ?`,
      now,
      row.id,
    );
  }

  /**
   * Makes the next ERP delivery due now, if it waits for its turn (next_at NULL). False when
   * there is none, or it is already due or backing off.
   */
  promoteDelivery(now: number): boolean {
    return (
      this.sql.exec(
        `UPDATE outbox SET next_at = ?, revision = revision + 1
         WHERE kind = 'erp' AND status = 'pending' AND sequence = ${DELIVERY_HEAD}
           AND next_at IS NULL`,
        now,
      ).rowsWritten > 0
    );
  }

  /**
   * An ERP attempt is on the wire until `until` at the latest (its timeout and a margin): the
   * delivery is not due before then, so nothing wakes for it meanwhile, and if the object goes
   * away mid-attempt the alarm tries again then. Not a change D1 needs to see.
   */
  leaseDelivery(row: OutboxRow, until: number) {
    this.sql.exec(`UPDATE outbox SET next_at = ? WHERE id = ?`, until, row.id);
  }

  /** No place to send it to: the delivery waits (not an attempt) until an ERP URL is set. */
  parkDelivery(row: OutboxRow, reason: string) {
    this.sql.exec(
      `UPDATE outbox SET next_at = NULL, last_error = ?, revision = revision + 1 WHERE id = ?`,
      reason,
      row.id,
    );
  }

  /** ERP deliveries D1 has not seen in their latest revision. */
  unprojectedDeliveries(): StoredDelivery[] {
    return this.sql
      .exec(
        `SELECT sequence, json_extract(payload, '$.type') AS type, status, attempts, created_at,
         last_attempt_at, last_error, next_at, revision
       FROM outbox WHERE kind = 'erp' AND revision > projected ORDER BY sequence`,
      )
      .toArray()
      .map(storedDelivery);
  }

  /** D1 has these revisions now (a newer one written meanwhile stays unprojected). */
  deliveriesProjected(rows: { sequence: number; revision: number }[]) {
    for (const row of rows)
      this.sql.exec(
        `UPDATE outbox SET projected = ? WHERE kind = 'erp' AND sequence = ? AND revision = ?`,
        row.revision,
        row.sequence,
        row.revision,
      );
  }

  /** One ERP delivery by its sequence, or null. */
  deliveryBySequence(sequence: number): (StoredDelivery & { id: number }) | null {
    const row = this.sql
      .exec(
        `SELECT id, sequence, json_extract(payload, '$.type') AS type, status, attempts, created_at,
         last_attempt_at, last_error, next_at, revision
       FROM outbox WHERE kind = 'erp' AND sequence = ?`,
        sequence,
      )
      .toArray()[0];
    return row ? { id: num(row, "id"), ...storedDelivery(row) } : null;
  }

  /**
   * Done, unless a newer request replaced the payload in the meantime: removed, or for the
   * projection, whose row stays for the next request, marked `done`.
   */
  outboxDone(row: OutboxRow) {
    if (row.kind === "projection")
      this.sql.exec(
        `UPDATE outbox SET status = 'done', next_at = NULL, attempts = 0, last_error = NULL,
           last_attempt_at = NULL WHERE id = ? AND payload = ?`,
        row.id,
        row.payload,
      );
    else this.sql.exec(`DELETE FROM outbox WHERE id = ? AND payload = ?`, row.id, row.payload);
  }

  /** A failed attempt: retried at `nextAt`, or `dead` when `nextAt` is null. */
  outboxFailed(row: OutboxRow, error: string, now: number, nextAt: number | null) {
    this.sql.exec(
      `UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?, last_attempt_at = ?, status = ?,
         revision = revision + 1
       WHERE id = ?`,
      row.attempts + 1,
      nextAt,
      error.slice(0, MAX_ERROR_LENGTH),
      now,
      nextAt === null ? "dead" : "pending",
      row.id,
    );
  }

  /** A dead row gets a new round of attempts, due now. False when there is no such dead row. */
  reviveOutbox(id: number, now: number): boolean {
    return (
      this.sql.exec(
        `UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, revision = revision + 1
         WHERE id = ? AND status = 'dead'`,
        now,
        id,
      ).rowsWritten > 0
    );
  }

  outbox(): OutboxEntry[] {
    return this.sql
      .exec(
        `SELECT id, kind, status, attempts, created_at, last_attempt_at, next_at, last_error
       FROM outbox WHERE status IN ('pending', 'dead') ORDER BY id`,
      )
      .toArray()
      .map((r) => ({
        id: num(r, "id"),
        kind: str(r, "kind"),
        status: outboxStatus.parse(str(r, "status")),
        attempts: num(r, "attempts"),
        createdAt: num(r, "created_at"),
        lastAttemptAt: optNum(r, "last_attempt_at"),
        nextAt: optNum(r, "next_at"),
        lastError: optStr(r, "last_error"),
      }));
  }

  /**
   * What waits for a moment, in one read: the outbox rows that may be attempted (of the ERP
   * deliveries only the head of the stream), in the order they were written but the projection
   * last (so it carries to D1 what the others' attempts changed, in the same drain), and the
   * earliest moment anything is due: one of them, a timer, or (given `idempotencyTtl`, when the
   * idempotency table exists) the expiry of an idempotency record, that long after it was written.
   */
  schedule(idempotencyTtl?: number): Schedule {
    const expiring = idempotencyTtl !== undefined;
    const rows: ScheduledRow[] = [];
    let next: number | null = null;
    for (const r of this.sql.exec(
      `SELECT id, kind, payload, attempts, sequence, next_at FROM outbox
       WHERE status = 'pending' AND next_at IS NOT NULL
         AND (kind != 'erp' OR sequence = ${DELIVERY_HEAD})
       UNION ALL SELECT NULL, 'timer', NULL, NULL, NULL, MIN(due_at) FROM timers
       ${expiring ? IDEMPOTENCY_EXPIRY : ""}
       ORDER BY 1`,
      ...(expiring ? [idempotencyTtl] : []),
    )) {
      const at = optNum(r, "next_at");
      if (at !== null && (next === null || at < next)) next = at;
      if (r.id === null || at === null) continue;
      rows.push({
        id: num(r, "id"),
        kind: outboxKind.parse(str(r, "kind")),
        payload: str(r, "payload"),
        attempts: num(r, "attempts"),
        sequence: optNum(r, "sequence"),
        nextAt: at,
      });
    }
    // The projection's row is older than the effects of the change it is due for (it is
    // kept for the order's life): written order alone would send it first.
    const projection = rows.filter((row) => row.kind === "projection");
    return { rows: [...rows.filter((row) => row.kind !== "projection"), ...projection], next };
  }
}

const outboxStatus = z.enum(["pending", "dead"]);
const deliveryStatus = z.enum(["pending", "delivered", "dead"]);

function storedDelivery(r: Row): StoredDelivery {
  const status = deliveryStatus.parse(str(r, "status"));
  return {
    sequence: num(r, "sequence"),
    type: str(r, "type"),
    // `dead` is the outbox's word; the ERP contract says `failed`.
    status: status === "dead" ? "failed" : status,
    attempts: num(r, "attempts"),
    createdAt: num(r, "created_at"),
    lastAttemptAt: optNum(r, "last_attempt_at"),
    lastError: optStr(r, "last_error"),
    nextAt: optNum(r, "next_at"),
    revision: num(r, "revision"),
  };
}
