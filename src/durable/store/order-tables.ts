import { z } from "zod";
import {
  DEFAULT_UNIT_CODE,
  defaultCategory,
  type TaxCategory,
  taxCategory,
} from "../../domain/einvoice";
import type { HistoryView } from "../../domain/history";
import { jsonObject } from "../../domain/json";
import {
  type Change,
  type Item,
  type Line,
  type NewHistoryEntry,
  type OrderHeader,
  type OrderState,
  orderHeaderSchema,
  type Shipment,
  shipmentSchema,
  type Timer,
} from "../../engine/model";
import { itemContextSchema } from "../../machines/item-process";
import type { StoredEffect } from "./outbox-table";
import { json, num, optNum, optStr, type Row, type Sql, str } from "./sql";

const stringArray = z.array(z.string());

/**
 * The order's own tables: its header, lines, items, shipments, timers and history. A change is
 * written here in one go; its effects go to the outbox through `enqueue`, in the same
 * transaction (the caller's).
 */
export class OrderTables {
  constructor(private readonly sql: Sql) {}

  /** The whole order, or null when the header is missing. */
  load(): OrderState | null {
    const headerRow = this.sql.exec(`SELECT data FROM order_header`).toArray()[0];
    if (!headerRow) return null;
    const header: OrderHeader = json(orderHeaderSchema, headerRow, "data");
    const lines = new Map<string, Line>();
    for (const r of this.sql.exec(`SELECT * FROM lines ORDER BY no`)) {
      const id = str(r, "id");
      lines.set(id, {
        id,
        sku: str(r, "sku"),
        name: str(r, "name"),
        quantity: num(r, "quantity"),
        unitPrice: num(r, "unit_price"),
        taxRate: num(r, "tax_rate"),
        taxCategory: storedCategory(optStr(r, "tax_category"), num(r, "tax_rate")),
        unitCode: optStr(r, "unit_code") ?? DEFAULT_UNIT_CODE,
        isQuantitySplittable: num(r, "splittable") === 1,
      });
    }
    const items = new Map<string, Item>();
    for (const r of this.sql.exec(`SELECT * FROM items ORDER BY no`)) {
      const id = str(r, "id");
      items.set(id, {
        id,
        lineId: str(r, "line_id"),
        quantity: num(r, "quantity"),
        shipmentId: str(r, "shipment_id"),
        state: str(r, "state"),
        context: json(itemContextSchema, r, "context"),
        stateSince: num(r, "state_since"),
      });
    }
    const shipments = new Map<string, Shipment>();
    for (const r of this.sql.exec(`SELECT data FROM shipments ORDER BY no`)) {
      const s: Shipment = json(shipmentSchema, r, "data");
      shipments.set(s.id, s);
    }
    const timers = new Map<string, Timer>();
    for (const r of this.sql.exec(`SELECT * FROM timers`)) {
      const id = str(r, "id");
      timers.set(id, {
        id,
        itemId: optStr(r, "item_id"),
        event: str(r, "event"),
        dueAt: num(r, "due_at"),
      });
    }
    const version = num(this.sql.exec(`SELECT COALESCE(MAX(seq), 0) AS v FROM history`).one(), "v");
    return { header, version, lines, items, shipments, timers };
  }

  /**
   * Writes a change made at `version`; returns the version it makes. Each effect is handed to
   * `enqueue` with that version, a credit note with the seq of the entry it credits.
   */
  write(
    change: Change,
    version: number,
    enqueue: (effect: StoredEffect, version: number) => void,
  ): number {
    const { sql } = this;
    if (change.header)
      sql.insert("order_header", ["id", "data"], [{ id: 1, data: JSON.stringify(change.header) }], {
        key: "id",
        update: ["data"],
      });
    if (change.lines?.length)
      sql.insert(
        "lines",
        LINE_COLUMNS,
        change.lines.map((l) => ({
          id: l.id,
          no: Number(l.id.slice(1)),
          sku: l.sku,
          name: l.name,
          quantity: l.quantity,
          unit_price: l.unitPrice,
          tax_rate: l.taxRate,
          splittable: l.isQuantitySplittable ? 1 : 0,
          // The defaults are not stored: a line reads back the same, and stays small.
          tax_category: l.taxCategory === defaultCategory(l.taxRate) ? null : l.taxCategory,
          unit_code: l.unitCode === DEFAULT_UNIT_CODE ? null : l.unitCode,
        })),
      );
    if (change.deletedItems?.length) sql.deleteWhereIn("items", "id", change.deletedItems);
    if (change.items.length)
      sql.insert(
        "items",
        ITEM_COLUMNS,
        change.items.map((i) => ({
          id: i.id,
          no: Number(i.id.slice(1)),
          line_id: i.lineId,
          quantity: i.quantity,
          shipment_id: i.shipmentId,
          state: i.state,
          context: JSON.stringify(i.context),
          state_since: i.stateSince,
        })),
        {
          key: "id",
          update: ["quantity", "shipment_id", "state", "context", "state_since"],
        },
      );
    if (change.deletedShipments?.length)
      sql.deleteWhereIn("shipments", "id", change.deletedShipments);
    if (change.shipments?.length)
      sql.insert(
        "shipments",
        ["id", "no", "data"],
        change.shipments.map((s) => ({
          id: s.id,
          no: Number(s.id.slice(1)),
          data: JSON.stringify(s),
        })),
        { key: "id", update: ["data"] },
      );
    if (change.deletedTimers.length) sql.deleteWhereIn("timers", "id", change.deletedTimers);
    if (change.timers.length)
      sql.insert(
        "timers",
        ["id", "item_id", "event", "due_at"],
        change.timers.map((t) => ({
          id: t.id,
          item_id: t.itemId,
          event: t.event,
          due_at: t.dueAt,
        })),
        { key: "id", update: ["item_id", "event", "due_at"] },
      );
    let seq = version;
    const seqOf = new Map<NewHistoryEntry, number>();
    if (change.history.length)
      sql.insert(
        "history",
        HISTORY_COLUMNS,
        change.history.map((h) => {
          seqOf.set(h, ++seq);
          return historyRow(seq, h);
        }),
      );
    const seqOfEntry = (entry: number | NewHistoryEntry) => {
      const key = typeof entry === "number" ? entry : seqOf.get(entry);
      if (key === undefined) throw new Error("a credit note names an entry outside its change");
      return key;
    };
    for (const effect of change.effects)
      enqueue(
        effect.kind === "credit-note"
          ? { kind: "credit-note", key: seqOfEntry(effect.key) }
          : effect,
        seq,
      );
    return seq;
  }

  /** The order's history, oldest first; optionally only the entries that touch one item. */
  history(itemId?: string): HistoryView[] {
    const rows = itemId
      ? this.sql.exec(
          `SELECT * FROM history WHERE EXISTS (SELECT 1 FROM json_each(history.item_ids) WHERE value = ?)
           ORDER BY seq`,
          itemId,
        )
      : this.sql.exec(`SELECT * FROM history ORDER BY seq`);
    return rows.toArray().map(historyEntry);
  }

  /** The history entry with this seq, or null. */
  historyEntry(seq: number): HistoryView | null {
    const row = this.sql.exec(`SELECT * FROM history WHERE seq = ?`, seq).toArray()[0];
    return row ? historyEntry(row) : null;
  }

  /**
   * The seqs of money entries after `version` that carry credit-note content (`data.credit`):
   * the moves an invoice billed at `version` has not seen.
   */
  creditEntriesAfter(version: number): number[] {
    return this.sql
      .exec(
        `SELECT seq FROM history WHERE seq > ? AND type IN ('cancellation', 'refund')
           AND json_extract(data, '$.credit') IS NOT NULL ORDER BY seq`,
        version,
      )
      .toArray()
      .map((r) => num(r, "seq"));
  }

  /** The seq of the history entry that recorded the invoice (invoices recorded before versions). */
  invoiceEntrySeq(): number | null {
    const row = this.sql
      .exec(`SELECT MIN(seq) AS seq FROM history WHERE type = 'invoice-issued'`)
      .toArray()[0];
    return row ? optNum(row, "seq") : null;
  }
}

const LINE_COLUMNS = [
  "id",
  "no",
  "sku",
  "name",
  "quantity",
  "unit_price",
  "tax_rate",
  "splittable",
  "tax_category",
  "unit_code",
] as const;

const ITEM_COLUMNS = [
  "id",
  "no",
  "line_id",
  "quantity",
  "shipment_id",
  "state",
  "context",
  "state_since",
] as const;

const HISTORY_COLUMNS = [
  "seq",
  "at",
  "actor",
  "type",
  "event",
  "item_ids",
  "from_state",
  "to_state",
  "data",
] as const;

function historyRow(seq: number, h: NewHistoryEntry) {
  return {
    seq,
    at: h.at,
    actor: h.actor,
    type: h.type,
    event: h.event ?? null,
    item_ids: JSON.stringify(h.itemIds),
    from_state: h.from ?? null,
    to_state: h.to ?? null,
    data: h.data ? JSON.stringify(h.data) : null,
  };
}

function historyEntry(r: Row): HistoryView {
  const event = optStr(r, "event");
  const from = optStr(r, "from_state");
  const to = optStr(r, "to_state");
  return {
    seq: num(r, "seq"),
    at: new Date(num(r, "at")).toISOString(),
    actor: str(r, "actor"),
    type: str(r, "type"),
    ...(event === null ? {} : { event }),
    itemIds: json(stringArray, r, "item_ids"),
    ...(from === null ? {} : { from }),
    ...(to === null ? {} : { to }),
    ...(r.data === null ? {} : { data: json(jsonObject, r, "data") }),
  };
}

/** Lines store their category only when it is not the default for their rate. */
function storedCategory(stored: string | null, rate: number): TaxCategory {
  if (stored === null) return defaultCategory(rate);
  const parsed = taxCategory.safeParse(stored);
  if (!parsed.success) throw new Error(`a line has an unknown VAT category ${stored}`);
  return parsed.data;
}
