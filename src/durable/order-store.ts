import type { HistoryView } from "../domain/history";
import type { RememberedAnswer } from "../domain/idempotency";
import type { Change, OrderState } from "../engine/model";
import { type IdempotencyRecord, IdempotencyTable } from "./store/idempotency-table";
import { OrderTables } from "./store/order-tables";
import {
  type OutboxEntry,
  type OutboxRow,
  OutboxTable,
  type Schedule,
  type StoredDelivery,
} from "./store/outbox-table";
import { createSchema, lookUpSchema, migrate } from "./store/schema";
import { Sql } from "./store/sql";
import { VersionLog } from "./store/version-log";

export type { IdempotencyRecord } from "./store/idempotency-table";
export type {
  OutboxEntry,
  OutboxRow,
  OutboxStatus,
  Schedule,
  ScheduledRow,
  StoredDelivery,
} from "./store/outbox-table";

/**
 * The order's SQLite: one seam for the object's parts, with a room per group of tables under
 * store/ (schema and migrations, the order's tables, the outbox with the ERP deliveries,
 * idempotency records) sharing one statement helper. Reads are parsed; callers own the
 * transactions. An object that holds no order answers reads as empty and writes nothing.
 */
export class OrderStore {
  private readonly sql: Sql;
  private readonly orders: OrderTables;
  private readonly effects: OutboxTable;
  private readonly idempotency: IdempotencyTable;
  private readonly versions: VersionLog;
  private hasSchema = false;
  /** Whether the schema version is kept in `meta` (objects created before version 7). */
  private hasMeta = false;
  /** Whether the version log exists (schema version 8). */
  private hasVersions = false;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = new Sql(storage.sql);
    this.orders = new OrderTables(this.sql);
    this.effects = new OutboxTable(this.sql);
    this.idempotency = new IdempotencyTable(this.sql, false);
    this.versions = new VersionLog(this.sql);
  }

  /** Runs `work` as one SQLite transaction: all of it is written, or none. */
  transaction<T>(work: () => T): T {
    return this.storage.transactionSync(work);
  }

  /**
   * Brings an existing order's schema up to date; an object that holds no order stays empty
   * (the check only reads).
   */
  open(): void {
    this.lookUpSchema();
    // One transaction: a migration applies whole or not at all.
    // Created at version 8 (no `meta`, a version log): nothing to do.
    if (!this.hasSchema || (!this.hasMeta && this.hasVersions)) return;
    this.transaction(() => {
      if (!migrate(this.sql, { hasMeta: this.hasMeta, hasVersions: this.hasVersions })) return;
      // The version log begins now: its first row is the order as it is.
      const state = this.orders.load();
      if (state) this.versions.base(state);
    });
    this.hasVersions = true;
  }

  /** Creates the schema for a new order (inside the placement's transaction). */
  create(): void {
    createSchema(this.sql);
    this.hasSchema = true;
    this.hasVersions = true;
  }

  /**
   * After a failed transaction: what this instance knows of the schema may have rolled back
   * with it (a placement's new schema, a new idempotency table), so it looks again.
   */
  forget(): void {
    this.lookUpSchema();
  }

  private lookUpSchema(): void {
    const facts = lookUpSchema(this.sql);
    this.hasSchema = facts.hasSchema;
    this.hasMeta = facts.hasMeta;
    this.hasVersions = facts.hasVersions;
    this.idempotency.exists = facts.hasIdempotency;
  }

  // ---------------------------------------------------------------- the order's tables

  /** The whole order, or null when this object holds none. */
  load(): OrderState | null {
    return this.hasSchema ? this.orders.load() : null;
  }

  /** Writes a change and its effects; the caller wraps it with what belongs to it. */
  write(change: Change, version: number, now: number): number {
    const made = this.orders.write(change, version, (effect, at) =>
      this.effects.enqueue(effect, now, at),
    );
    // Keyed by the first version the change made: every version of one command shows the
    // order as the command left it.
    this.versions.append(change, Math.min(version + 1, made));
    return made;
  }

  /** The version log up to `version` (orders.at, orders.diff). */
  versionsUpTo(version: number) {
    return this.versions.upTo(version);
  }

  history(itemId?: string): HistoryView[] {
    return this.orders.history(itemId);
  }

  historyEntry(seq: number): HistoryView | null {
    return this.orders.historyEntry(seq);
  }

  creditEntriesAfter(version: number): number[] {
    return this.orders.creditEntriesAfter(version);
  }

  invoiceEntrySeq(): number | null {
    return this.orders.invoiceEntrySeq();
  }

  // ---------------------------------------------------------------- idempotency records

  idempotent(key: string): IdempotencyRecord | null {
    return this.idempotency.find(key);
  }

  remember(key: string, requestHash: string, answer: RememberedAnswer, now: number): void {
    this.idempotency.remember(key, requestHash, answer, now);
  }

  pruneIdempotency(before: number): number {
    return this.idempotency.prune(before);
  }

  // ---------------------------------------------------------------- the outbox

  requestProjection(version: number, dueAt: number, now: number): void {
    this.effects.requestProjection(version, dueAt, now);
  }

  dueOutbox(now: number): OutboxRow[] {
    return this.hasSchema ? this.effects.dueOutbox(now) : [];
  }

  outboxDone(row: OutboxRow): void {
    this.effects.outboxDone(row);
  }

  outboxFailed(row: OutboxRow, error: string, now: number, nextAt: number | null): void {
    this.effects.outboxFailed(row, error, now, nextAt);
  }

  reviveOutbox(id: number, now: number): boolean {
    return this.effects.reviveOutbox(id, now);
  }

  outbox(): OutboxEntry[] {
    return this.hasSchema ? this.effects.outbox() : [];
  }

  /** What waits for a moment, and the earliest moment anything is due (see OutboxTable). */
  schedule(idempotencyTtl?: number): Schedule {
    if (!this.hasSchema) return { rows: [], next: null };
    return this.effects.schedule(this.idempotency.exists ? idempotencyTtl : undefined);
  }

  /** The earliest moment something is due (see `schedule`). */
  nextWakeUp(idempotencyTtl: number): number | null {
    return this.schedule(idempotencyTtl).next;
  }

  // ---------------------------------------------------------------- ERP deliveries

  deliveryDone(row: OutboxRow, now: number): void {
    this.effects.deliveryDone(row, now);
  }

  promoteDelivery(now: number): boolean {
    return this.hasSchema && this.effects.promoteDelivery(now);
  }

  leaseDelivery(row: OutboxRow, until: number): void {
    this.effects.leaseDelivery(row, until);
  }

  parkDelivery(row: OutboxRow, reason: string): void {
    this.effects.parkDelivery(row, reason);
  }

  unprojectedDeliveries(): StoredDelivery[] {
    return this.hasSchema ? this.effects.unprojectedDeliveries() : [];
  }

  deliveriesProjected(rows: { sequence: number; revision: number }[]): void {
    this.effects.deliveriesProjected(rows);
  }

  deliveryBySequence(sequence: number): (StoredDelivery & { id: number }) | null {
    return this.hasSchema ? this.effects.deliveryBySequence(sequence) : null;
  }
}
