/**
 * The bench's "scale" scenario, inside the worker: a shop's read model filled to a given number
 * of orders through the projection's own statements (`projectionStatements`, in large D1
 * batches), and the invoice consumer's rows.
 *
 * Order `i` of `total` is synthetic but shaped like the service's: placed at an even pace over
 * three years up to `now`, 1-6 lines of a 5,000-SKU catalog (a few SKUs sell far more than the
 * rest), 50,000 customers (100 of them buy a hundred times more often), 30 % with a custom
 * reference, 20 % of e-mail domains a "...-gmbh" company, one order in 20,000 by a "Zyxwarth".
 * Each runs payment@1 on a timeline: placed, paid after an hour, confirmed and exported after
 * two, shipped after a day and a half (one order in ten with two or more lines ships its last
 * line a day and a half later), delivered after four days and closed 14 days later; 3 % are
 * cancelled after ten minutes, 2 % never paid (invalid after a day), 0.5 % of the delivered are
 * returned after ten days and refunded two days later, and 1 in 2,000 stops for good in a state
 * of the way (stuck work the matrix and the state filter must find). D1 hears of each order as a
 * live order object would tell it: its placement's projection, then (if it moved on) the
 * projection of where it is now, with what did not change left out; its ERP deliveries
 * (`order.exported`, `invoice.issued`) delivered; its invoice (issued when shipped) stored with
 * the consumer's columns.
 */
import { drizzle } from "drizzle-orm/d1";
import { storedItemGroups } from "../src/db/item-groups";
import {
  type DeliveryRow,
  type ProjectionParts,
  placementKeyBase,
  projectionStatements,
} from "../src/db/projection";
import { invoices, PLACEMENT_KEY_SLOTS } from "../src/db/schema";
import type { ItemGroups, WaitingGroup } from "../src/engine/item-groups";
import { flagsOf } from "../src/engine/step";
import type { OrderSummaryRow } from "../src/engine/summary";
import { dominantState } from "../src/engine/view";
import { getProcess } from "../src/machines/registry";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SPAN = 3 * 365 * DAY;
const PROCESS = "payment@1";
function registered(id: string) {
  const found = getProcess(id);
  if (!found) throw new Error(`${id} is not registered`);
  return found;
}
const process = registered(PROCESS);

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Margaret"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Thompson",
  "Ritchie",
  "Hamilton",
  "Backus",
  "Mueller",
  "Schmidt",
  "Schneider",
  "Fischer",
  "Weber",
  "Meyer",
  "Wagner",
  "Becker",
  "Schulz",
  "Hoffmann",
];
export const RARE_NAME = "Zyxwarth";
/** Customers that buy far more often than the rest (1 % of all orders between them). */
export const FREQUENT_CUSTOMERS = 100;

/** A deterministic pseudo-random number in [0, 1) for (i, salt): the same order every run. */
function unit(i: number, salt: number): number {
  let x = (i * 0x9e3779b1 + salt * 0x85ebca77) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 2 ** 32;
}

const reference = (i: number) => `ORD-SCALE${String(i).padStart(11, "0")}`;
export const customerOf = (i: number) =>
  unit(i, 1) < 0.01
    ? `frequent-${Math.floor(unit(i, 2) * FREQUENT_CUSTOMERS)}`
    : `customer-${Math.floor(unit(i, 2) * 50_000)}`;
export const customReferenceOf = (i: number) => (unit(i, 3) < 0.3 ? `PO-${i}` : null);
export const placedAtOf = (i: number, total: number, now: number) =>
  now - 10 * MINUTE - Math.floor(((total - 1 - i) * SPAN) / total);
const skuOf = (n: number) => `SKU-${n}`;

interface Line {
  sku: string;
  quantity: number;
  unitPrice: number;
}

/** [time, state] steps of an order's life, in time order; a line may lag (split delivery). */
function timeline(i: number, placedAt: number): [number, string][] {
  const fate = unit(i, 10);
  const steps: [number, string][] = [[placedAt, "payment-pending"]];
  if (fate < 0.03) return [...steps, [placedAt + 10 * MINUTE, "cancelled"]];
  if (fate < 0.05) return [...steps, [placedAt + DAY, "invalid"]];
  steps.push(
    [placedAt + HOUR, "paid"],
    [placedAt + 2 * HOUR, "exported"],
    [placedAt + 1.5 * DAY, "shipped"],
    [placedAt + 4 * DAY, "delivered"],
  );
  if (fate < 0.055)
    steps.push([placedAt + 10 * DAY, "returned"], [placedAt + 12 * DAY, "refunded"]);
  else steps.push([placedAt + 18 * DAY, "closed"]);
  // Stuck work: stops for good after one of the steps of the way.
  if (unit(i, 11) < 0.0005) return steps.slice(0, 2 + Math.floor(unit(i, 12) * 3));
  return steps;
}

/** The state of a line at `now` and since when; a lagging line ships `lag` later. */
function lineState(steps: [number, string][], now: number, lag: number): [string, number] {
  let current = steps[0] as [number, string];
  let shipped = false;
  for (const [at, state] of steps) {
    if (state === "shipped") shipped = true;
    const t = shipped ? at + lag : at;
    if (t <= now) current = [t, state];
  }
  return [current[1], current[0]];
}

export interface ScaleOrder {
  reference: string;
  /** The placement's projection, then where the order is now (null: it never moved on). */
  projections: { row: OrderSummaryRow; parts: ProjectionParts }[];
  invoice: typeof invoices.$inferInsert | null;
}

/** Order `i` of a shop of `total` orders, as D1 hears of it by `now`. */
export function scaleOrder(i: number, total: number, now: number): ScaleOrder {
  const ref = reference(i);
  const placedAt = placedAtOf(i, total, now);
  const lineCount = 1 + Math.floor(unit(i, 4) * 6);
  const lines: Line[] = Array.from({ length: lineCount }, (_, k) => ({
    sku: skuOf(Math.floor(unit(i, 20 + k) * unit(i, 30 + k) * 5000)),
    quantity: 1 + Math.floor(unit(i, 40 + k) * 3),
    unitPrice: 500 + Math.floor(unit(i, 50 + k) * 20_000),
  }));
  const customer = customerOf(i);
  const c = Number(customer.split("-")[1]);
  const last = i % 20_000 === 7 ? RARE_NAME : (LAST[c % LAST.length] as string);
  const first = FIRST[Math.floor(c / LAST.length) % FIRST.length] as string;
  const domain = unit(i, 5) < 0.2 ? `${last.toLowerCase()}-gmbh.example` : `mail${c % 97}.example`;
  const email = `${first.toLowerCase()}.${last.toLowerCase()}${c}@${domain}`;
  const grandTotal = lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0) + 495;
  const steps = timeline(i, placedAt);
  const split = lineCount >= 2 && unit(i, 6) < 0.1 ? 1.5 * DAY : 0;
  const windowClosedAt = placedAt + 30 * MINUTE;

  const projection = (at: number, version: number) => {
    const states = lines.map((_, k) => lineState(steps, at, k === lineCount - 1 ? split : 0));
    const itemStates: Record<string, number> = {};
    const reserved = new Map<string, number>();
    const waiting = new Map<string, WaitingGroup>();
    let cancellable = at < windowClosedAt;
    let visible = false;
    for (const [k, [state, since]] of states.entries()) {
      const line = lines[k] as Line;
      itemStates[state] = (itemStates[state] ?? 0) + line.quantity;
      const flags = flagsOf(process, state);
      if (!flags.includes("cancellable")) cancellable = false;
      if (!flags.includes("exclude-from-customer")) visible = true;
      if (flags.includes("reserved"))
        reserved.set(line.sku, (reserved.get(line.sku) ?? 0) + line.quantity);
      if (flags.includes("final")) continue;
      const key = `${state}\u0000${since}`;
      const group = waiting.get(key);
      if (group) group.quantity += line.quantity;
      else waiting.set(key, { state, since, quantity: line.quantity });
    }
    const groups: ItemGroups = {
      process: PROCESS,
      reserved: [...reserved].map(([sku, quantity]) => ({ sku, quantity })),
      waiting: [...waiting.values()],
    };
    const updatedAt = Math.max(...states.map(([, since]) => since), placedAt);
    const row: OrderSummaryRow = {
      reference: ref,
      customerReference: customer,
      customOrderReference: customReferenceOf(i),
      state: dominantState(itemStates),
      itemStates,
      grandTotal,
      currency: "EUR",
      placedAt: new Date(placedAt).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
      cancellableUntil: new Date(windowClosedAt).toISOString(),
      itemsCancellable: cancellable,
      customerVisible: visible,
      deadEffects: null,
      version,
      customerEmail: email,
      customerName: `${first} ${last}`,
      skus: [...new Set(lines.map((l) => l.sku))].join("\n"),
      process: PROCESS,
    };
    return { row, groups: storedItemGroups(groups), states };
  };

  const placed = projection(placedAt, 1);
  const projections: ScaleOrder["projections"] = [
    { row: placed.row, parts: { exports: [], itemGroups: placed.groups } },
  ];
  // Its version: one change per moment something happened (the window's closing, each step of
  // each line, the invoice).
  const moments = new Set(
    lines.flatMap((_, k) => {
      const lag = k === lineCount - 1 ? split : 0;
      let shipped = false;
      return steps.map(([at, state]) => {
        if (state === "shipped") shipped = true;
        return shipped ? at + lag : at;
      });
    }),
  );
  if (windowClosedAt <= now) moments.add(windowClosedAt);
  const current = projection(now, [...moments].filter((at) => at <= now).length);
  const exportedAt = steps.find(([at, state]) => state === "exported" && at <= now)?.[0];
  const shippedAt = steps.find(([at, state]) => state === "shipped" && at <= now)?.[0];
  let invoice: ScaleOrder["invoice"] = null;
  if (current.row.version > 1) {
    if (shippedAt !== undefined) current.row.version += 1;
    const exports: DeliveryRow[] = [];
    const delivery = (sequence: number, type: string, at: number): DeliveryRow => ({
      id: `msg_${ref}_${sequence}`,
      orderReference: ref,
      sequence,
      type,
      status: "delivered",
      attempts: 1,
      lastAttemptAt: new Date(at + 100).toISOString(),
      lastError: null,
      nextAttemptAt: null,
      createdAt: new Date(at).toISOString(),
      revision: 2,
    });
    if (exportedAt !== undefined) exports.push(delivery(1, "order.exported", exportedAt));
    if (shippedAt !== undefined) {
      exports.push(delivery(2, "invoice.issued", shippedAt + MINUTE));
      const issuedAt = new Date(shippedAt + MINUTE).toISOString();
      const net = Math.round(grandTotal / 1.19);
      invoice = {
        reference: `Invoice-${i + 1}`,
        number: i + 1,
        orderReference: ref,
        customerReference: customer,
        customerEmail: email,
        issuedAt,
        currency: "EUR",
        totals: {
          subtotal: grandTotal - 495,
          expenses: 495,
          discounts: 0,
          net,
          tax: grandTotal - net,
          grandTotal,
          taxes: [{ rate: 19, net, tax: grandTotal - net }],
        },
        html: null,
        documentKey: `invoices/Invoice-${i + 1}.html`,
        documentBytes: 9_000 + lineCount * 600,
        templateVersion: 1,
        mailedAt: issuedAt,
      };
    }
    // What did not change since the placement's projection is left out, as a live order does.
    const reservedJson = (p: typeof placed) => p.groups.reserved.map((c) => c.json).join();
    projections.push({
      row: current.row,
      parts: {
        exports,
        itemGroups: current.groups,
        unchanged: {
          reserved: reservedJson(placed) === reservedJson(current),
          waiting: placed.groups.waiting === current.groups.waiting,
          customOrderReference:
            placed.row.customOrderReference === current.row.customOrderReference,
        },
      },
    });
  }
  return { reference: ref, projections, invoice };
}

/** D1 binds at most 100 parameters per statement; an invoice row binds 13. */
const INVOICES_PER_STATEMENT = 7;
/** Orders per D1 batch (one call, one transaction; its JSON stays far below D1's 2 MB a value). */
const ORDERS_PER_BATCH = 500;

/** The invoice consumer's insert, as drizzle renders it, several rows per statement. */
function invoiceStatements(d1: D1Database, rows: (typeof invoices.$inferInsert)[]) {
  const db = drizzle(d1);
  const statements: D1PreparedStatement[] = [];
  for (let k = 0; k < rows.length; k += INVOICES_PER_STATEMENT) {
    const query = db
      .insert(invoices)
      .values(rows.slice(k, k + INVOICES_PER_STATEMENT))
      .onConflictDoNothing()
      .toSQL();
    statements.push(d1.prepare(query.sql).bind(...query.params));
  }
  return statements;
}

/**
 * The statements that bring D1 to where it is after each order's projections, one after the
 * other, as a live order object sends them (`projectionStatements`, several per order and
 * projection): the exact path, for small numbers and for the test that holds the bulk path to it.
 */
export function exactStatements(d1: D1Database, orders: ScaleOrder[]): D1PreparedStatement[] {
  return [
    ...orders.flatMap((o) =>
      o.projections.flatMap((p) => projectionStatements(d1, p.row, p.parts)),
    ),
    ...invoiceStatements(
      d1,
      orders.flatMap((o) => (o.invoice ? [o.invoice] : [])),
    ),
  ];
}

/**
 * The same end state for new orders in a few statements per batch of orders (the fill's fast
 * path; test/bench/scale-fill.test.ts holds it to `exactStatements` table by table): each order's
 * last projection inserted as it would leave its rows (the order row with its placement key, so
 * the search index and the state index fill through their triggers; its reserved SKUs and
 * waiting groups; its ERP deliveries), the totals moved by the sum of the orders' contributions,
 * and a SKU total row (0) for each SKU an order held at placement only, as the placement's
 * projection leaves it.
 */
export function bulkStatements(d1: D1Database, orders: ScaleOrder[]): D1PreparedStatement[] {
  const rows = orders.map((o) => {
    const last = o.projections.at(-1);
    if (!last) throw new Error(`order ${o.reference} has no projection`);
    return { row: last.row, parts: last.parts, placement: o.projections[0] };
  });
  const json = (value: unknown) => JSON.stringify(value);
  const field = (name: string) => `json_extract(value, '$.${name}')`;
  const statements = [
    d1
      .prepare(
        `INSERT INTO orders (id, reference, customer_reference, custom_order_reference,
          customer_email, customer_name, skus, state, item_states, grand_total, currency, placed_at,
          updated_at, cancellable_until, items_cancellable, customer_visible, dead_effects, version,
          process)
        SELECT (SELECT COALESCE(MAX(id) + 1, ${field("base")}) FROM orders
            WHERE id BETWEEN ${field("base")} AND ${field("base")} + ${PLACEMENT_KEY_SLOTS - 1}),
          ${[
            "reference",
            "customerReference",
            "customOrderReference",
            "customerEmail",
            "customerName",
            "skus",
            "state",
            "itemStates",
            "grandTotal",
            "currency",
            "placedAt",
            "updatedAt",
            "cancellableUntil",
            "itemsCancellable",
            "customerVisible",
            "deadEffects",
            "version",
            "process",
          ]
            .map(field)
            .join(", ")}
        FROM json_each(?1)`,
      )
      .bind(
        json(
          rows.map(({ row }) => ({
            ...row,
            base: placementKeyBase(row.placedAt),
            itemStates: json(row.itemStates),
            itemsCancellable: row.itemsCancellable ? 1 : 0,
            customerVisible: row.customerVisible ? 1 : 0,
            deadEffects: row.deadEffects === null ? null : json(row.deadEffects),
          })),
        ),
      ),
    // [sku, units]: the orders' reserved units now, and 0 for what they held at placement.
    d1
      .prepare(
        `INSERT INTO sku_reservations (sku, reserved)
        SELECT json_extract(value, '$[0]'), SUM(json_extract(value, '$[1]')) FROM json_each(?1)
        GROUP BY 1
        ON CONFLICT (sku) DO UPDATE SET reserved = reserved + excluded.reserved`,
      )
      .bind(
        json(
          rows.flatMap(({ parts, placement }) => [
            ...(placement?.parts.itemGroups.reserved ?? []).flatMap((c) =>
              (JSON.parse(c.json) as [string, number][]).map(([sku]) => [sku, 0]),
            ),
            ...parts.itemGroups.reserved.flatMap((c) => JSON.parse(c.json) as [string, number][]),
          ]),
        ),
      ),
    d1
      .prepare(
        `INSERT INTO order_reserved (order_reference, chunk, skus)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
        FROM json_each(?1)`,
      )
      .bind(
        json(
          rows.flatMap(({ row, parts }) =>
            parts.itemGroups.reserved.map((c, i) => [row.reference, i, c.json]),
          ),
        ),
      ),
    d1
      .prepare(
        `INSERT INTO waiting_counts (process, state, since, units)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
          json_extract(value, '$[2]'), SUM(json_extract(value, '$[3]'))
        FROM json_each(?1) GROUP BY 1, 2, 3
        ON CONFLICT (process, state, since) DO UPDATE SET units = units + excluded.units`,
      )
      .bind(
        json(
          rows.flatMap(({ parts }) =>
            (JSON.parse(parts.itemGroups.waiting) as [string, number, number][]).map(
              ([state, since, units]) => [parts.itemGroups.process, state, since, units],
            ),
          ),
        ),
      ),
    d1
      .prepare(
        `INSERT INTO order_waiting_groups (order_reference, process, groups)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
        FROM json_each(?1)`,
      )
      .bind(
        json(
          rows
            .filter(({ parts }) => parts.itemGroups.waiting !== "[]")
            .map(({ row, parts }) => [
              row.reference,
              parts.itemGroups.process,
              parts.itemGroups.waiting,
            ]),
        ),
      ),
    d1
      .prepare(
        `INSERT INTO erp_deliveries (id, order_reference, sequence, type, status, attempts,
          last_attempt_at, last_error, next_attempt_at, created_at, revision)
        SELECT ${[
          "id",
          "orderReference",
          "sequence",
          "type",
          "status",
          "attempts",
          "lastAttemptAt",
          "lastError",
          "nextAttemptAt",
          "createdAt",
          "revision",
        ]
          .map(field)
          .join(", ")}
        FROM json_each(?1)`,
      )
      .bind(json(rows.flatMap(({ parts }) => parts.exports))),
  ];
  return [
    ...statements,
    ...invoiceStatements(
      d1,
      orders.flatMap((o) => (o.invoice ? [o.invoice] : [])),
    ),
  ];
}

/** Which orders of the shop a fill writes: `from` to `to` (exclusive), multiples of `every` that are not multiples of `except` (0: none). */
export interface FillRange {
  from: number;
  to: number;
  every: number;
  except: number;
}

/**
 * Writes orders of a shop of `total` to D1 (new orders only), in batches of the bulk path (or,
 * `exact`, each order's projections one by one). Resolves with the rows D1 wrote.
 */
export async function fillScale(
  d1: D1Database,
  range: FillRange,
  total: number,
  now: number,
  exact = false,
): Promise<{ orders: number; rowsWritten: number; statements: number }> {
  const wanted: number[] = [];
  const first = Math.ceil(range.from / range.every) * range.every;
  for (let i = first; i < range.to; i += range.every)
    if (range.except === 0 || i % range.except !== 0) wanted.push(i);
  let rowsWritten = 0;
  let statements = 0;
  for (let start = 0; start < wanted.length; start += ORDERS_PER_BATCH) {
    const orders = wanted
      .slice(start, start + ORDERS_PER_BATCH)
      .map((i) => scaleOrder(i, total, now));
    const batch = (exact ? exactStatements : bulkStatements)(d1, orders);
    const results = await d1.batch(batch);
    statements += batch.length;
    rowsWritten += results.reduce((n, r) => n + r.meta.rows_written, 0);
  }
  return { orders: wanted.length, rowsWritten, statements };
}
