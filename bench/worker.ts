/**
 * The benchmark's worker (bench/wrangler.bench.toml): everything of src/index.ts unchanged (the
 * OrderObject only gains profiling aids, see below), plus
 *
 *   - FloorObject, the floor every figure is compared with: a SQLite-backed Durable Object
 *     whose one RPC does one INSERT;
 *   - bench-only routes, answered before the app sees the request:
 *       POST /bench/floor?key=K     one RPC to the FloorObject named K (default "floor");
 *                                   &alarm=1, &d1=N, &rows=N, &mail=1 add an alarm, a D1
 *                                   batch of N rows, rows, a mail (FloorOptions: the pieces of
 *                                   an order command's I/O)
 *       GET  /bench/stats?reference=R  the order object's stats() (DO rows it wrote, D1 rows
 *                                      its projections wrote) and all D1 rows it wrote
 *       GET  /bench/outbox?reference=R  the order object's outbox rows (effects())
 *       GET  /bench/d1-rows         D1 rows written by the invoice consumer (queue handler)
 *       GET  /bench/einvoice?reference=R  builds order R's invoice documents (content, UBL,
 *                                   HTML) in the worker, as the consumer does, without issuing
 *                                   them: { lines, ublBytes, htmlBytes, ublMs, htmlMs } (best of 3)
 *       GET  /bench/alarms          alarm() invocations of order objects
 *       GET  /bench/usage           what the service used on Cloudflare's price list (`usage`)
 *       POST /bench/usage?on=1      counts requests to the app and queue batches in `usage` from
 *                                   now (on=0: no longer; off when the worker starts)
 *       GET  /bench/clock           calls into the adjustable clock (0 under CLOCK=system)
 *       POST /bench/projection?reference=R&off=1  projection of order R into a null D1, for
 *                                   profiling (off=0 undoes it); so do orders placed for a
 *                                   customer reference starting with "bench-no-projection"
 *       POST /bench/erp?reference=R&off=1  order R's ERP events wait (no URL) instead of going
 *                                   out after each answer (off=0 undoes it)
 *       POST /bench/scale?from=A&to=B&total=N&now=T  orders A to B-1 of a synthetic shop of N
 *                                   orders (bench/scale.ts) written to D1 through the
 *                                   projection's statements; { rowsWritten, statements, ms }
 *                                   (&every=K&except=E: only multiples of K that are not of E)
 *       GET  /bench/scale/order?i=I&total=N&now=T  that order's summary row as D1 last hears it
 *       GET  /bench/d1-size         the D1 database's size in bytes (D1's `size_after`)
 *   - a request to the app with the header `x-bench-rows-read: 1` runs every D1 statement a
 *     second time to read D1's `rows_read` of it, and answers it in that header (timings are
 *     taken without it);
 *       POST /bench/capacity?what=invoice-numbers|d1-projections&n=N&concurrency=C
 *                                   a single-object ceiling, measured inside the worker (no
 *                                   HTTP per call): N invoice numbers from one InvoiceNumbers
 *                                   object (a fresh one, not the service's), or N order
 *                                   projections (new orders, 3 reserved SKUs) into the one D1;
 *                                   C calls in flight. { n, ms, rowsWritten }
 *   - a queue handler that hands the app's consumer a D1 binding which sums
 *     `meta.rows_written` (D1's own figure) of every statement it runs.
 *
 * Production code carries none of this; only `npm run bench` deploys it (locally).
 */
import { DurableObject } from "cloudflare:workers";
import { storedItemGroups } from "../src/db/item-groups";
import { projectOrder } from "../src/db/projection";
import app, {
  AdjustableClock as ProductionAdjustableClock,
  OrderObject as ProductionOrderObject,
} from "../src/index";
import { invoicingConfig, paymentMeansOf } from "../src/invoices/config";
import { billedOf, documentContent } from "../src/invoices/content";
import { htmlDocument } from "../src/invoices/html";
import { type DocumentFacts, ublDocument } from "../src/invoices/ubl";
import { mailTransportFromEnv } from "../src/mail/transport";
import { fillScale, scaleOrder } from "./scale";

export * from "../src/index";

/** Alarm invocations of order objects, for this isolate's life (one isolate under wrangler dev). */
const orderAlarms = { invocations: 0 };

/**
 * What the service used on Cloudflare's price list, for this isolate's life (the cost
 * scenario takes the difference around one order's life): requests to the Worker (the app's,
 * not the bench's own routes and not requests marked `x-bench-probe: 1`, which the bench polls
 * with), queue consumer invocations, Durable Object requests (RPC calls from the Worker and the
 * consumer) and their wall time, queue messages sent, and R2 operations by class. Each order
 * object counts its own alarms and the wall time of them and of its waitUntil work (benchStats):
 * with the RPCs', an upper bound of the billed duration (overlapping periods count twice).
 */
const usage = {
  workerRequests: 0,
  queueInvocations: 0,
  doRequests: 0,
  doActiveMs: 0,
  queueMessages: 0,
  r2ClassA: 0,
  r2ClassB: 0,
};

/** Whether requests to the app and queue batches are counted in `usage` (POST /bench/usage?on=1). */
const counting = { on: false };

/** Adds the wall time of `work` to `counter.activeMs` (the objects' active time). */
async function active<T>(counter: { doActiveMs: number }, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    counter.doActiveMs += Date.now() - started;
  }
}

/** Orders placed for this customer reference (prefix) project into nullD1 (profiling). */
const NO_PROJECTION_CUSTOMER = "bench-no-projection";

/** A D1 that accepts every statement and stores nothing: an order's projection, switched off. */
const nullResult = {
  success: true,
  results: [],
  meta: { duration: 0, changes: 0, last_row_id: 0, rows_read: 0, rows_written: 0 },
};
const nullStatement = {
  bind: () => nullStatement,
  run: async () => nullResult,
  all: async () => nullResult,
  first: async () => null,
  raw: async () => [],
};
const nullD1 = {
  prepare: () => nullStatement,
  batch: async (statements: unknown[]) => statements.map(() => nullResult),
  exec: async () => ({ count: 0, duration: 0 }),
} as unknown as D1Database;

/**
 * The production OrderObject, unchanged but for measuring aids (the class keeps its name, so the
 * binding is the same as in wrangler.toml): its SQLite counts the rows it writes, its env.DB
 * the D1 rows (projections and the confirmation mail), its projection database the projection's
 * alone; a count of its alarm() invocations; and a switch that sends its projection to nullD1,
 * to measure an event or a placement without it.
 */
export class OrderObject extends ProductionOrderObject {
  private counters!: {
    doRows: number;
    d1: D1Count;
    projection: D1Count;
    /** This object's alarm invocations, and the wall time of them and of its waitUntil work. */
    alarms: number;
    doActiveMs: number;
  };

  constructor(ctx: DurableObjectState, env: Env) {
    const counters = {
      doRows: 0,
      d1: { rowsWritten: 0, rowsRead: 0, statements: 0 },
      projection: { rowsWritten: 0, rowsRead: 0, statements: 0 },
      alarms: 0,
      doActiveMs: 0,
    };
    countRowsOf(ctx.storage.sql, counters);
    const waitUntil = ctx.waitUntil.bind(ctx);
    Object.defineProperty(ctx, "waitUntil", {
      value: (promise: Promise<unknown>) => waitUntil(active(counters, () => promise)),
    });
    super(ctx, {
      ...env,
      DB: countingD1(env.DB, counters.d1),
      INVOICE_QUEUE: countingQueue(env.INVOICE_QUEUE),
    });
    this.counters = counters;
    this.seam.db = countingD1(this.seam.db, counters.projection);
  }

  override async place(...args: Parameters<ProductionOrderObject["place"]>) {
    if (args[0].customer.reference.startsWith(NO_PROJECTION_CUSTOMER)) this.seam.db = nullD1;
    return super.place(...args);
  }

  /** Rows this instance wrote: to its SQLite, to D1 in all, and to D1 through projections. */
  async benchStats(): Promise<{
    doRowsWritten: number;
    d1RowsWritten: number;
    d1AllRowsWritten: number;
    d1Statements: number;
    d1RowsRead: number;
    databaseBytes: number;
    alarms: number;
    doActiveMs: number;
  }> {
    return {
      alarms: this.counters.alarms,
      doActiveMs: this.counters.doActiveMs,
      doRowsWritten: this.counters.doRows,
      d1RowsWritten: this.counters.projection.rowsWritten,
      d1Statements: this.counters.projection.statements,
      d1AllRowsWritten: this.counters.d1.rowsWritten,
      d1RowsRead: this.counters.d1.rowsRead + this.counters.projection.rowsRead,
      databaseBytes: this.ctx.storage.sql.databaseSize,
    };
  }

  override async alarm(): Promise<void> {
    orderAlarms.invocations += 1;
    this.counters.alarms += 1;
    return active(this.counters, () => super.alarm());
  }

  /** ERP events off (they wait as pending, as with ERP_EXPORT_URL empty) or back on. */
  async benchErp(off: boolean): Promise<{ off: boolean }> {
    this.seam.erpExportUrl = off ? "" : (this.env.ERP_EXPORT_URL ?? "");
    return { off };
  }

  /** Projection off (into nullD1) or back on (the real D1, counted). */
  async benchProjection(off: boolean): Promise<{ off: boolean }> {
    this.seam.db = off ? nullD1 : countingD1(this.env.DB, this.counters.projection);
    return { off };
  }
}

/** Calls into the adjustable clock for this isolate's life: none at all under CLOCK=system. */
const clockCalls = { instances: 0, calls: 0 };

/** The production AdjustableClock, counting its instances and the calls it answers. */
export class AdjustableClock extends ProductionAdjustableClock {
  constructor(ctx: DurableObjectState, env: Env) {
    clockCalls.instances += 1;
    super(ctx, env);
  }

  override async now(...args: Parameters<ProductionAdjustableClock["now"]>) {
    clockCalls.calls += 1;
    return super.now(...args);
  }

  override async report(...args: Parameters<ProductionAdjustableClock["report"]>) {
    clockCalls.calls += 1;
    return super.report(...args);
  }

  override async advance(...args: Parameters<ProductionAdjustableClock["advance"]>) {
    clockCalls.calls += 1;
    return super.advance(...args);
  }
}

/**
 * Makes the object's SQLite add the rows each statement writes to `counters` (its own `exec`
 * shadows the prototype's; the runtime insists on the real DurableObjectState, so no proxy).
 */
function countRowsOf(sql: SqlStorage, counters: { doRows: number }): void {
  const exec = sql.exec.bind(sql);
  Object.defineProperty(sql, "exec", {
    value: <T extends Record<string, SqlStorageValue>>(
      query: string,
      ...bindings: SqlStorageValue[]
    ) => {
      const cursor = exec<T>(query, ...bindings);
      counters.doRows += cursor.rowsWritten;
      return cursor;
    },
  });
}

interface BenchEnv extends Omit<Env, "ORDERS"> {
  ORDERS: DurableObjectNamespace<OrderObject>;
  FLOOR: DurableObjectNamespace<FloorObject>;
}

/** What a floor request adds to its one INSERT, to attribute an event's time (profiling). */
export interface FloorOptions {
  /** Also (re)arm an alarm, as every order command does. */
  alarm?: boolean;
  /**
   * Also write D1 after answering (ctx.waitUntil), as the projection does: one batch of this
   * many single-row INSERTs (0: none).
   */
  d1?: number;
  /** Rows to insert (one transaction, 99 per statement) instead of one. */
  rows?: number;
  /**
   * Also send one mail after answering, through the production HTTP transport (MAIL_API_URL),
   * as a placement's confirmation does.
   */
  mail?: boolean;
}

/** A confirmation mail's size: the HTML of a 3-line order's confirmation is about 1.2 kB. */
const FLOOR_MAIL_HTML = "x".repeat(1_200);

/**
 * One RPC, one SQLite write: what any Durable Object request costs at least. The options add
 * the platform work an order command does besides its own writes, one piece at a time.
 */
export class FloorObject extends DurableObject<BenchEnv> {
  /** Whether this object's D1 batches found the bench table (its first one creates it). */
  private d1TableKnown = false;

  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS writes (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)",
    );
  }

  async write(options: FloorOptions = {}): Promise<{ rowsWritten: number }> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    const rows = Math.min(Math.max(1, options.rows ?? 1), 100_000);
    let rowsWritten = 0;
    if (rows === 1) rowsWritten = sql.exec("INSERT INTO writes (at) VALUES (?)", now).rowsWritten;
    else
      this.ctx.storage.transactionSync(() => {
        for (let i = 0; i < rows; i += 99) {
          const n = Math.min(99, rows - i);
          const values = Array<string>(n).fill("(?)").join(", ");
          rowsWritten += sql.exec(
            `INSERT INTO writes (at) VALUES ${values}`,
            ...Array<number>(n).fill(now),
          ).rowsWritten;
        }
      });
    if (options.alarm) await this.ctx.storage.setAlarm(now + 3_600_000);
    if (options.d1) this.ctx.waitUntil(this.d1Write(now, options.d1));
    if (options.mail)
      this.ctx.waitUntil(
        mailTransportFromEnv(this.env).send({
          to: "floor@bench.example",
          bcc: [],
          subject: "floor",
          html: FLOOR_MAIL_HTML,
          idempotencyKey: crypto.randomUUID(),
        }),
      );
    return { rowsWritten };
  }

  override async alarm(): Promise<void> {
    // Armed an hour ahead and re-armed by every write: never due during a run.
  }

  /**
   * `statements` single-row INSERTs into a bench-only D1 table, in one batch (one D1 call, as a
   * projection is); the first batch of an object creates the table if needed (the bench's D1 is
   * temporary), in the same call.
   */
  private async d1Write(at: number, statements: number) {
    const db = this.env.DB;
    const inserts = Array.from({ length: statements }, () =>
      db.prepare("INSERT INTO bench_floor (at) VALUES (?)").bind(at),
    );
    if (this.d1TableKnown) await db.batch(inserts);
    else {
      await db.batch([
        db.prepare("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, at INTEGER)"),
        ...inserts,
      ]);
      this.d1TableKnown = true;
    }
  }
}

// ------------------------------------------------------------------ D1 rows of the consumer

interface D1Count {
  rowsWritten: number;
  rowsRead: number;
  statements: number;
}

/** The queue consumer's D1 rows, for this isolate's life (one isolate under wrangler dev). */
const consumerD1: D1Count = { rowsWritten: 0, rowsRead: 0, statements: 0 };

function count(counter: D1Count, result: unknown) {
  counter.statements += 1;
  const meta = (result as { meta?: { rows_written?: number; rows_read?: number } } | null)?.meta;
  if (typeof meta?.rows_written === "number") counter.rowsWritten += meta.rows_written;
  if (typeof meta?.rows_read === "number") counter.rowsRead += meta.rows_read;
}

// ------------------------------------------------------------------ usage (the cost scenario)

/** A queue binding that counts the messages sent through it. */
function countingQueue<T>(queue: Queue<T>): Queue<T> {
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === "send")
        return (...args: Parameters<Queue<T>["send"]>) => {
          usage.queueMessages += 1;
          return target.send(...args);
        };
      if (prop === "sendBatch")
        return (...args: Parameters<Queue<T>["sendBatch"]>) => {
          usage.queueMessages += [...args[0]].length;
          return target.sendBatch(...args);
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** R2 operations by class: writes and lists are class A, reads class B. */
const R2_CLASS: Record<string, "r2ClassA" | "r2ClassB"> = {
  put: "r2ClassA",
  delete: "r2ClassA",
  list: "r2ClassA",
  createMultipartUpload: "r2ClassA",
  get: "r2ClassB",
  head: "r2ClassB",
};

function countingBucket(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const kind = typeof prop === "string" ? R2_CLASS[prop] : undefined;
      return (...args: unknown[]) => {
        if (kind) usage[kind] += 1;
        return Reflect.apply(value, target, args);
      };
    },
  });
}

/** A namespace whose stubs count each RPC call as a Durable Object request, with its time. */
function countingNamespace<T extends object>(namespace: T): T {
  const stub = (target: object) =>
    new Proxy(target, {
      get(object, prop) {
        const value: unknown = Reflect.get(object, prop, object);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          usage.doRequests += 1;
          return active(usage, async () => Reflect.apply(value, object, args));
        };
      },
    });
  return new Proxy(namespace, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if ((prop === "getByName" || prop === "get") && typeof value === "function")
        return (...args: unknown[]) => stub(Reflect.apply(value, target, args) as object);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The app's env with its Durable Object namespaces counting (see `usage`). */
const countingEnv = <E extends Env>(env: E): E => ({
  ...env,
  ORDERS: countingNamespace(env.ORDERS),
  INVOICE_NUMBERS: countingNamespace(env.INVOICE_NUMBERS),
});

/** Wrapped statements, so batch() can hand the runtime its own objects back. */
const originals = new WeakMap<object, D1PreparedStatement>();

/**
 * A statement that counts what `run()` and `all()` report. `first()` and `raw()` carry no meta;
 * drizzle runs every write of the invoice path (insert, update) through `run()`.
 */
function countingStatement(statement: D1PreparedStatement, counter: D1Count): D1PreparedStatement {
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      if (prop === "bind")
        return (...values: unknown[]) => countingStatement(target.bind(...values), counter);
      if (prop === "run" || prop === "all")
        return async () => {
          const result = await target[prop]();
          count(counter, result);
          return result;
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  originals.set(wrapped, statement);
  return wrapped;
}

/** A D1 binding that adds the `meta.rows_written` of everything it runs to `counter`. */
function countingD1(db: D1Database, counter: D1Count): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare")
        return (query: string) => countingStatement(target.prepare(query), counter);
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements.map((s) => originals.get(s) ?? s));
          for (const result of results) count(counter, result);
          return results;
        };
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// ------------------------------------------------------------------ capacity

/** A new order's summary row as a placement projects it (3 lines, payment pending). */
const capacityRow = (reference: string) => {
  const now = new Date().toISOString();
  return {
    reference,
    customerReference: `capacity-${reference.length % 100}`,
    customOrderReference: null,
    state: "payment-pending",
    itemStates: { "payment-pending": 6 },
    grandTotal: 7630,
    currency: "EUR",
    placedAt: now,
    updatedAt: now,
    cancellableUntil: now,
    itemsCancellable: true,
    customerVisible: true,
    deadEffects: null,
    version: 1,
    customerEmail: "ada@example.com",
    customerName: "Ada Lovelace",
    skus: "SKU-1\nSKU-2\nSKU-3",
    process: "payment@1",
  };
};
const capacityParts = {
  exports: [],
  itemGroups: storedItemGroups({
    process: "payment@1",
    reserved: [1, 2, 3].map((i) => ({ sku: `SKU-${i}`, quantity: 2 })),
    waiting: [{ state: "payment-pending", since: Date.now(), quantity: 6 }],
  }),
};

// ------------------------------------------------------------------ e-invoice build time

/** Builds an order's invoice documents three times; the fastest build of each, and sizes. */
async function buildDocuments(env: BenchEnv, reference: string) {
  const source = await env.ORDERS.getByName(reference).invoiceSource();
  if (!source.ok) return { error: source.message };
  const order = source.order;
  const config = invoicingConfig(env);
  const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
  let ublMs = Number.POSITIVE_INFINITY;
  let htmlMs = Number.POSITIVE_INFINITY;
  let ubl = "";
  let html = "";
  for (let run = 0; run < 3; run++) {
    // Date.now() advances only across I/O in workerd: a D1 read brackets each measurement.
    const tick = async () => {
      await env.DB.prepare("SELECT 1").first();
      return Date.now();
    };
    const started = await tick();
    const facts: DocumentFacts = {
      type: "invoice",
      reference: "Invoice-BENCH",
      issuedAt: new Date().toISOString(),
      order,
      content: documentContent(order, billedOf(order)),
      seller: config.seller,
      paymentMeans: paymentMeansOf(config.paymentMeans, order.paymentMethod),
      profile: config.profile,
      prepaid: false,
    };
    ubl = ublDocument(facts);
    const built = await tick();
    html = htmlDocument(facts);
    const done = await tick();
    ublMs = Math.min(ublMs, built - started);
    htmlMs = Math.min(htmlMs, done - built);
  }
  return { lines: order.items.length, ublBytes: bytes(ubl), htmlBytes: bytes(html), ublMs, htmlMs };
}

// ------------------------------------------------------------------ routes

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function benchRoute(request: Request, env: BenchEnv): Promise<Response | null> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/bench/")) return null;
  if (url.pathname === "/bench/floor" && request.method === "POST") {
    const key = url.searchParams.get("key") || "floor";
    const options: FloorOptions = {
      alarm: url.searchParams.get("alarm") === "1",
      d1: Number(url.searchParams.get("d1") || 0),
      rows: Number(url.searchParams.get("rows") || 1),
      mail: url.searchParams.get("mail") === "1",
    };
    return json(await env.FLOOR.getByName(key).write(options));
  }
  if (url.pathname === "/bench/stats" && request.method === "GET") {
    const reference = url.searchParams.get("reference");
    if (!reference) return json({ error: "reference is required" }, 400);
    return json(await env.ORDERS.getByName(reference).benchStats());
  }
  if (url.pathname === "/bench/outbox" && request.method === "GET") {
    const reference = url.searchParams.get("reference");
    if (!reference) return json({ error: "reference is required" }, 400);
    const effects = await env.ORDERS.getByName(reference).effects();
    return json(effects.ok ? effects.effects : []);
  }
  if (url.pathname === "/bench/d1-rows" && request.method === "GET") return json(consumerD1);
  if (url.pathname === "/bench/einvoice" && request.method === "GET") {
    const reference = url.searchParams.get("reference");
    if (!reference) return json({ error: "reference is required" }, 400);
    return json(await buildDocuments(env, reference));
  }
  if (url.pathname === "/bench/alarms" && request.method === "GET") return json(orderAlarms);
  if (url.pathname === "/bench/usage" && request.method === "GET") return json(usage);
  if (url.pathname === "/bench/usage" && request.method === "POST") {
    counting.on = url.searchParams.get("on") === "1";
    return json(counting);
  }
  if (url.pathname === "/bench/clock" && request.method === "GET") return json(clockCalls);
  if (url.pathname === "/bench/projection" && request.method === "POST") {
    const reference = url.searchParams.get("reference");
    if (!reference) return json({ error: "reference is required" }, 400);
    const off = url.searchParams.get("off") === "1";
    return json(await env.ORDERS.getByName(reference).benchProjection(off));
  }
  if (url.pathname === "/bench/capacity" && request.method === "POST") {
    const what = url.searchParams.get("what");
    const n = Number(url.searchParams.get("n") || 1000);
    const concurrency = Number(url.searchParams.get("concurrency") || 16);
    const run = async (call: (i: number) => Promise<number>) => {
      let next = 0;
      let rowsWritten = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) {
            const rows = await call(next++);
            rowsWritten += rows;
          }
        }),
      );
      return json({ n, ms: performance.now() - started, rowsWritten });
    };
    const runId = crypto.randomUUID();
    if (what === "invoice-numbers") {
      const numbers = env.INVOICE_NUMBERS.getByName(`capacity-${runId}`);
      return run(async (i) => {
        await numbers.allocate("invoice", `ORD-CAPACITY-${i}`);
        return 1;
      });
    }
    if (what === "d1-projections")
      return run((i) => projectOrder(env.DB, capacityRow(`ORD-CAP-${runId}-${i}`), capacityParts));
    return json({ error: "what: invoice-numbers or d1-projections" }, 400);
  }
  if (url.pathname === "/bench/scale" && request.method === "POST") {
    const [from = 0, to = 0, every = 1, except = 0, total = 0, now = 0] = [
      "from",
      "to",
      "every",
      "except",
      "total",
      "now",
    ].map((name) => Number(url.searchParams.get(name)));
    if (![from, to, every, except, total, now].every(Number.isSafeInteger) || every < 1)
      return json({ error: "from, to, every, except, total and now are required" }, 400);
    const started = performance.now();
    const filled = await fillScale(env.DB, { from, to, every, except }, total, now);
    return json({ ...filled, ms: performance.now() - started });
  }
  if (url.pathname === "/bench/scale/order" && request.method === "GET") {
    const [i = 0, total = 0, now = 0] = ["i", "total", "now"].map((name) =>
      Number(url.searchParams.get(name)),
    );
    return json(scaleOrder(i, total, now).projections.at(-1)?.row ?? null);
  }
  if (url.pathname === "/bench/d1-size" && request.method === "GET") {
    const result = await env.DB.prepare("SELECT 1").run();
    return json({ bytes: result.meta.size_after });
  }
  if (url.pathname === "/bench/erp" && request.method === "POST") {
    const reference = url.searchParams.get("reference");
    if (!reference) return json({ error: "reference is required" }, 400);
    const off = url.searchParams.get("off") === "1";
    return json(await env.ORDERS.getByName(reference).benchErp(off));
  }
  return json({ error: "no such bench route" }, 404);
}

/**
 * A D1 binding whose statements run twice: once with `all()` to add D1's `rows_read` to
 * `counter`, then as asked (drizzle reads through `raw()`, which carries no meta).
 */
function readCountingD1(db: D1Database, counter: { rowsRead: number }): D1Database {
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        if (prop === "raw" || prop === "all" || prop === "first" || prop === "run")
          return async (...args: unknown[]) => {
            counter.rowsRead += (await target.all()).meta.rows_read;
            const method = Reflect.get(target, prop, target) as (...a: unknown[]) => unknown;
            return method.apply(target, args);
          };
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => statement(target.prepare(query));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    const bench = await benchRoute(request, env);
    if (bench) return bench;
    // Counting only while the cost scenario asks for it: its proxies are not the app's cost.
    let appEnv: Env = env;
    if (counting.on && request.headers.get("x-bench-probe") !== "1") {
      usage.workerRequests += 1;
      appEnv = countingEnv(env);
    }
    if (request.headers.get("x-bench-rows-read") !== "1") return app.fetch(request, appEnv, ctx);
    const counter = { rowsRead: 0 };
    const response = await app.fetch(
      request,
      { ...appEnv, DB: readCountingD1(env.DB, counter) },
      ctx,
    );
    const counted = new Response(response.body, response);
    counted.headers.set("x-bench-rows-read", String(counter.rowsRead));
    return counted;
  },
  queue(batch, env, ctx) {
    const consume = app.queue as ExportedHandlerQueueHandler<Env>;
    if (!counting.on) return consume(batch, { ...env, DB: countingD1(env.DB, consumerD1) }, ctx);
    usage.queueInvocations += 1;
    return consume(
      batch,
      {
        ...countingEnv(env),
        DB: countingD1(env.DB, consumerD1),
        INVOICE_DOCUMENTS: countingBucket(env.INVOICE_DOCUMENTS),
      },
      ctx,
    );
  },
} satisfies ExportedHandler<BenchEnv>;
