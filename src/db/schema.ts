import { sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { ErpResponse } from "../domain/erp";
import type { InvoiceTotals, StoredDocument } from "../domain/invoices";
import type { CapturedAttachment } from "../domain/mails";
import type { ItemStates } from "../domain/order-view";
import type { DeadEffects } from "../domain/outbox";

/** A drizzle D1 instance over these tables (query builders only: no relational queries). */
export type Db = DrizzleD1Database;

/**
 * Read model of orders: one row per order, written only by the order's Durable Object.
 *
 * `id` is the order's placement key: its placement time in ms times `PLACEMENT_KEY_SLOTS`, plus
 * the order's arrival among the orders D1 heard of placed in the same millisecond. Lists walk it
 * newest first (no index on the placement time: the table is in that order), and so does search:
 * `order_search` (migrations/*_order_search.sql and 0012, hand-written: drizzle has no virtual
 * tables) is an FTS5 trigram index over this table's searchable columns whose rowid is `id`, kept
 * in step by triggers, so a search walks its matches newest first and stops at a page.
 * `order_states` (state -> order, kept by a trigger from `item_states`) is the index of the state
 * filter. A migration that rebuilds this table must recreate those triggers and run
 * `INSERT INTO order_search(order_search) VALUES ('rebuild')`.
 */
export const orders = sqliteTable(
  "orders",
  {
    id: integer("id").primaryKey(),
    reference: text("reference").notNull(),
    customerReference: text("customer_reference").notNull(),
    customOrderReference: text("custom_order_reference"),
    /** For search only (with the name and SKUs); the order view is the source of truth. */
    customerEmail: text("customer_email").notNull().default(""),
    /** "First Last". */
    customerName: text("customer_name").notNull().default(""),
    /** The order's distinct SKUs, one per line; never changes after placement. */
    skus: text("skus").notNull().default(""),
    /** The state most of the order's quantity is in. */
    state: text("state").notNull(),
    /** JSON object: state -> quantity. */
    itemStates: text("item_states", { mode: "json" }).$type<ItemStates>().notNull(),
    grandTotal: integer("grand_total").notNull(),
    currency: text("currency").notNull(),
    placedAt: text("placed_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    cancellableUntil: text("cancellable_until").notNull(),
    /** Every item is in a cancellable state and the window has not been closed early. */
    itemsCancellable: integer("items_cancellable", { mode: "boolean" }).notNull(),
    /** False when every item is in a state flagged `exclude-from-customer` (e.g. invalid). */
    customerVisible: integer("customer_visible", { mode: "boolean" }).notNull().default(true),
    /** JSON array of the order's effects that ran out of attempts ({ id, kind }); null: none. */
    deadEffects: text("dead_effects", { mode: "json" }).$type<DeadEffects>(),
    version: integer("version").notNull(),
    /**
     * The process the order runs on ("payment@1"), for `processes.migrate` and the processes
     * page. Null on rows last projected before the column existed (their object knows).
     */
    process: text("process"),
  },
  (t) => [
    index("orders_process").on(t.process, t.id),
    uniqueIndex("orders_reference").on(t.reference),
    index("orders_customer").on(t.customerReference, t.id),
    // Partial: most orders have no custom reference, and an index entry is a row written.
    // `custom_order_reference = ?` implies IS NOT NULL, so lookups still use it.
    index("orders_custom_reference")
      .on(t.customOrderReference)
      .where(sql`custom_order_reference IS NOT NULL`),
    // Partial: only the few orders with dead effects are in it.
    index("orders_dead_effects").on(t.updatedAt).where(sql`${t.deadEffects} IS NOT NULL`),
  ],
);

/**
 * Placement keys per millisecond (`orders.id`): 2^11, so keys stay exact JavaScript numbers
 * (below 2^53) for placements until the year 2109.
 */
export const PLACEMENT_KEY_SLOTS = 2048;

/**
 * The state filter's index: one row per order and state its items are in (the keys of
 * `orders.item_states`), WITHOUT ROWID (the migration says so). Written only by triggers on
 * `orders`, and only when the set of states changes: a change of quantities writes nothing.
 */
export const orderStates = sqliteTable(
  "order_states",
  {
    state: text("state").notNull(),
    orderId: integer("order_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.state, t.orderId] })],
);

/**
 * Issued invoices and credit notes: immutable once written. Their documents (HTML and UBL) are
 * in R2 (INVOICE_DOCUMENTS, `documents`); a row stays small whatever the order's size. Invoices
 * issued before documents moved to R2 keep their HTML in `html`; those issued before the UBL
 * twin have only `document_key` (their HTML in R2) and no `documents`.
 */
export const invoices = sqliteTable(
  "invoices",
  {
    reference: text("reference").primaryKey(),
    /** `invoice` or `credit-note`: each its own gap-free series of numbers. */
    type: text("type", { enum: ["invoice", "credit-note"] })
      .notNull()
      .default("invoice"),
    number: integer("number").notNull(),
    orderReference: text("order_reference").notNull(),
    /** A credit note's invoice. */
    invoiceReference: text("invoice_reference"),
    /**
     * The order version the document answers to: what an invoice bills was charged at it; a
     * credit note credits the money its history entry (this seq) moved. Null for invoices
     * issued before versions were recorded.
     */
    orderVersion: integer("order_version"),
    customerReference: text("customer_reference").notNull(),
    customerEmail: text("customer_email").notNull(),
    issuedAt: text("issued_at").notNull(),
    currency: text("currency").notNull(),
    totals: text("totals", { mode: "json" }).$type<InvoiceTotals>().notNull(),
    html: text("html"),
    /** R2 key of the HTML document of invoices issued before `documents`. */
    documentKey: text("document_key"),
    /** Size of that document in bytes. */
    documentBytes: integer("document_bytes"),
    /** The stored documents: format, content type, R2 key, size, SHA-256. */
    documents: text("documents", { mode: "json" }).$type<StoredDocument[]>(),
    templateVersion: integer("template_version").notNull(),
    mailedAt: text("mailed_at"),
  },
  (t) => [
    uniqueIndex("invoices_order").on(t.orderReference).where(sql`type = 'invoice'`),
    uniqueIndex("invoices_credit_note")
      .on(t.orderReference, t.orderVersion)
      .where(sql`type = 'credit-note'`),
    uniqueIndex("invoices_type_number").on(t.type, t.number),
    index("invoices_customer").on(t.customerReference, t.issuedAt),
    index("invoices_order_issued").on(t.orderReference, t.issuedAt),
    // The back office's list, newest first: a walk of this index, not a sort of every invoice.
    index("invoices_issued").on(t.issuedAt, t.reference),
  ],
);

/** Mails of the `capture` transport (local development and tests). */
export const mails = sqliteTable(
  "mails",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The sender's idempotency key: a repeated send with the same key is stored once. */
    idempotencyKey: text("idempotency_key").notNull(),
    to: text("to").notNull(),
    bcc: text("bcc", { mode: "json" }).$type<string[]>().notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    /** What was attached (name, type, size, where the bytes are kept), never the bytes. */
    attachments: text("attachments", { mode: "json" })
      .$type<CapturedAttachment[]>()
      .notNull()
      .default(sql`'[]'`),
    createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (t) => [uniqueIndex("mails_idempotency").on(t.idempotencyKey), index("mails_to").on(t.to)],
);

/**
 * Jobs that ended in the dead-letter queue (or went there at once: a configuration error), kept
 * with their payload intact for a person to act on (`deadLetters.list`, `deadLetters.retry`).
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    messageId: text("message_id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    receivedAt: text("received_at").notNull(),
    /** The last error, when the consumer knew it (configuration errors say what to fix). */
    lastError: text("last_error"),
  },
  (t) => [index("dead_letters_received").on(t.receivedAt)],
);

/**
 * The index of ERP deliveries across orders (`exports.list`, the scheduled sweep), fed by each
 * order's projection. Each row is guarded by its revision, as `orders` is by the version.
 */
export const erpDeliveries = sqliteTable(
  "erp_deliveries",
  {
    /** The `webhook-id`: `msg_<order reference>_<sequence>`, so unique with the key. */
    id: text("id").notNull(),
    orderReference: text("order_reference").notNull(),
    sequence: integer("sequence").notNull(),
    type: text("type").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    lastAttemptAt: text("last_attempt_at"),
    lastError: text("last_error"),
    /** Null while pending: waiting for its turn, or for ERP_EXPORT_URL. */
    nextAttemptAt: text("next_attempt_at"),
    createdAt: text("created_at").notNull(),
    revision: integer("revision").notNull(),
  },
  // WITHOUT ROWID on (order, sequence) (the migration says so; drizzle cannot): the key is the
  // table, so a delivery costs the row and its indexes, not a rowid and a separate key too.
  // The status index holds only deliveries not delivered (pending, failed): D1 hears of most
  // deliveries as delivered (the drain sends the ERP event before the projection), so they cost
  // the row and one index entry; a list of delivered ones walks the newest first.
  (t) => [
    primaryKey({ columns: [t.orderReference, t.sequence] }),
    index("erp_deliveries_status")
      .on(t.status, t.createdAt, t.id)
      .where(sql`status <> 'delivered'`),
    index("erp_deliveries_created").on(t.createdAt, t.id),
  ],
);

/**
 * Inbound ERP webhooks by `webhook-id`, the idempotency key of the whole service: the first
 * answer (status and body) is replayed to every repeat. `status` is null while the first is
 * being processed; `orderReference` is the order it was resolved to, once known.
 */
export const erpWebhookReceipts = sqliteTable(
  "erp_webhook_receipts",
  {
    id: text("id").primaryKey(),
    bodyHash: text("body_hash").notNull(),
    orderReference: text("order_reference"),
    status: integer("status"),
    response: text("response", { mode: "json" }).$type<ErpResponse["body"]>(),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [index("erp_webhook_receipts_received").on(t.receivedAt)],
);

// The tables below are created WITHOUT ROWID (the migration says so; drizzle cannot): their
// primary key is the table, so each row costs D1 one row written instead of two.

/**
 * The SKUs an open order holds in `reserved` states, as JSON `[[sku, units], ...]` sorted by code
 * point: the order's contribution to `sku_reservations`, replaced by its projection (only by the
 * newest version D1 has seen). One row for an order (chunk 0); an order whose SKUs pass 256 kB of
 * JSON takes more chunks, so no value comes near D1's 2 MB limit. An order holding nothing has
 * no row.
 */
export const orderReserved = sqliteTable(
  "order_reserved",
  {
    orderReference: text("order_reference").notNull(),
    chunk: integer("chunk").notNull(),
    skus: text("skus").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderReference, t.chunk] })],
);

/** Reserved units per SKU across all orders: the sum of `order_reserved`, kept by deltas. */
export const skuReservations = sqliteTable("sku_reservations", {
  sku: text("sku").primaryKey(),
  reserved: integer("reserved").notNull(),
});

/**
 * The units of an open order waiting in (non-final) states, as JSON `[[state, since, units],
 * ...]` (since: when the units entered the state, ms since the epoch): the order's contribution
 * to `waiting_counts`, replaced by its projection. One row per order with open work, rewritten in
 * place when it changes; an order with nothing waiting has no row.
 */
export const orderWaiting = sqliteTable("order_waiting_groups", {
  orderReference: text("order_reference").primaryKey(),
  process: text("process").notNull(),
  groups: text("groups").notNull(),
});

/**
 * Units waiting per process, state and the moment they entered it, across all orders: the sum
 * of `order_waiting_groups`, kept by deltas like `sku_reservations` (a row whose units reach 0
 * goes). The order matrix sums these rows into its age buckets when it is read, so the buckets
 * are those of now, without reading any order's JSON.
 */
export const waitingCounts = sqliteTable(
  "waiting_counts",
  {
    process: text("process").notNull(),
    state: text("state").notNull(),
    since: integer("since").notNull(),
    units: integer("units").notNull(),
  },
  (t) => [primaryKey({ columns: [t.process, t.state, t.since] })],
);

/**
 * Bulk status imports, by import id. The row is the import's claim, written before any of its
 * rows runs (src/worker/event-import.ts); the report is kept once it finished and returned to
 * every replay.
 */
export const eventImports = sqliteTable("event_imports", {
  importId: text("import_id").primaryKey(),
  /** SHA-256 of the rows: the same id with other rows is refused. */
  requestHash: text("request_hash").notNull(),
  rows: integer("rows").notNull(),
  createdAt: text("created_at").notNull(),
  /** When the report was stored; null while the import runs (or after it failed halfway). */
  finishedAt: text("finished_at"),
  /**
   * While it runs: the orders D1 listed under each row's custom reference when the import was
   * claimed (JSON), so a resumed import sends each row where the first attempt did.
   */
  resolved: text("resolved"),
});

/** An import's report in chunks of rows (JSON), so no value comes near D1's 2 MB limit. */
export const eventImportReports = sqliteTable(
  "event_import_reports",
  {
    importId: text("import_id").notNull(),
    chunk: integer("chunk").notNull(),
    rows: text("rows").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.chunk] })],
);

/**
 * One-time sign-in codes for the back office (the link `npm run dev` prints): a hash of the
 * code, whom it signs in, and until when (ms). Taken once: the exchange deletes the row.
 */
export const signInCodes = sqliteTable("sign_in_codes", {
  codeHash: text("code_hash").primaryKey(),
  sub: text("sub").notNull(),
  role: text("role").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/**
 * Internal notes on orders (`orders.addNote`): staff-only remarks kept beside the order, never in
 * its object. A note is not a command: it changes neither the order's version nor its history's
 * gap-free sequence. `orders.history` merges them in by time for staff; customers never see them.
 */
export const orderNotes = sqliteTable(
  "order_notes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orderReference: text("order_reference").notNull(),
    /** ISO 8601 in UTC, from the service's clock. */
    at: text("at").notNull(),
    /** Who wrote it, as history actors read: `<role>:<sub>` of the token. */
    actor: text("actor").notNull(),
    text: text("text").notNull(),
  },
  (t) => [index("order_notes_order").on(t.orderReference, t.id)],
);

/**
 * Runs of `processes.migrate` (src/worker/process-migration.ts): what they move, how far they
 * went through the read model (`cursor`, an `orders.id`), and who runs them now (a lease, so a
 * resumed run and the cron never work one migration twice at once).
 */
export const processMigrations = sqliteTable("process_migrations", {
  id: text("id").primaryKey(),
  fromProcess: text("from_process").notNull(),
  toProcess: text("to_process").notNull(),
  /** JSON object: state of `from` -> state of `to`. */
  stateMap: text("state_map").notNull(),
  actor: text("actor").notNull(),
  /** "running" | "finished". */
  status: text("status").notNull(),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  /** The run covers orders placed before it started: `orders.id` at most this. */
  untilKey: integer("until_key").notNull(),
  /** The last `orders.id` the run has dealt with (0: none yet). */
  cursor: integer("cursor").notNull().default(0),
  leaseOwner: text("lease_owner"),
  /** Ms since the epoch (real time) until which `lease_owner` runs it. */
  leaseUntil: integer("lease_until"),
});

/** What a migration did to each order it reached: the report, and what a resumed run skips. */
export const processMigrationOrders = sqliteTable(
  "process_migration_orders",
  {
    migrationId: text("migration_id").notNull(),
    reference: text("reference").notNull(),
    /** "moved" | "finished" | "other-process" | "blocked" | "unreachable". */
    outcome: text("outcome").notNull(),
    /** Why it did not move (a block's reason, or the error that kept the order out of reach). */
    reason: text("reason"),
    /** JSON array of the states a block concerns, or of the moves ({ from, to, items, quantity }). */
    detail: text("detail").notNull().default("[]"),
    at: text("at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.migrationId, t.reference] }),
    index("process_migration_orders_outcome").on(t.migrationId, t.outcome),
  ],
);
