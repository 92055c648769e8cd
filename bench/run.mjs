#!/usr/bin/env node
// `npm run bench`: starts the bench worker locally once (wrangler dev, fresh storage), warms up,
// runs the scenarios against a floor measured in the same run (a Durable Object doing one RPC
// and one SQLite write), prints tables and writes bench/results.json. Not part of `npm test`.
//
//   npm run bench
//   BENCH_DURATION=10 npm run bench        # seconds per timed load (default 5)
//   BENCH_ONLY=events,large npm run bench  # some scenarios (each measures its own floor)
//
// Environment (all optional):
//   BENCH_DURATION               seconds per timed load run                    5
//   BENCH_WARMUP                 seconds per warm-up load                      2
//   BENCH_CONCURRENCY            connections of the concurrent runs            16
//   BENCH_PLACEMENTS             orders placed in the placement scenario       2000
//   BENCH_PLACEMENT_CONCURRENCY  connections of the placement scenario         32
//   BENCH_LARGE_LINES            lines of the large order                      10000
//   BENCH_LARGE_QUANTITY         units of the non-splittable line              1000000
//   BENCH_ERP_ORDERS             orders of the ERP delivery burst              1000
//   BENCH_MIGRATION_ORDERS       running orders processes.migrate moves        1000
//   BENCH_ONLY                   comma list of events (with the floor), placements,
//                                reads, large, einvoice, cost, erp, capacity,
//                                versions, migration, backoffice, scale        all
//   BENCH_SCALE_SIZES            orders of the read model's sizes (each divides the
//                                largest; the smaller are samples of it)  10000,100000,1000000
//   BENCH_SCALE_SAMPLES          timed requests per read and size          40
//   BENCH_PAGE_RUNS              cold loads of the 10,000-line order page      5
//   BENCH_VALIDATE_TIMEOUT       seconds a UBL validation may take (einvoice)  600
//   CHROMIUM_PATH                Chromium for the back-office page       /usr/bin/chromium
//   BENCH_PROFILE                0 skips the CPU profile at the end            1
//   BENCH_PROFILE_DIR            also writes each raw .cpuprofile there (DevTools)  -
//   BENCH_LOG_LEVEL              wrangler dev --log-level                      warn
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { buildWeb } from "../scripts/build-web.mjs";
import { mintToken } from "../scripts/test-auth.mjs";
import { startErpReceiver } from "../test/e2e/erp-receiver.ts";
import { kitDir } from "../test/einvoice/kit.ts";
import { api, placement, until } from "./api.mjs";
import { orderPageTimes, pageTimes, unavailable } from "./backoffice.mjs";
import { interleaved, load } from "./load.mjs";
import { startMailSink } from "./mail-sink.mjs";
import { migrationScenario, versionsScenario } from "./processes.mjs";
import { attribute, connectInspector, loadSourceMap } from "./profile.mjs";
import { fmt, heading, table } from "./report.mjs";
import { benchConfig, root, startBenchServer } from "./server.mjs";

function setting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`error: ${name} must be a positive number, not ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

const config = {
  duration: setting("BENCH_DURATION", 5),
  warmup: setting("BENCH_WARMUP", 2),
  concurrency: Math.round(setting("BENCH_CONCURRENCY", 16)),
  placements: Math.round(setting("BENCH_PLACEMENTS", 2000)),
  placementConcurrency: Math.round(setting("BENCH_PLACEMENT_CONCURRENCY", 32)),
  largeLines: Math.round(setting("BENCH_LARGE_LINES", 10_000)),
  validateTimeoutS: setting("BENCH_VALIDATE_TIMEOUT", 600),
  largeQuantity: Math.round(setting("BENCH_LARGE_QUANTITY", 1_000_000)),
  pageRuns: Math.round(setting("BENCH_PAGE_RUNS", 5)),
  erpOrders: Math.round(setting("BENCH_ERP_ORDERS", 1000)),
  migrationOrders: Math.round(setting("BENCH_MIGRATION_ORDERS", 1000)),
  scaleSizes: (process.env.BENCH_SCALE_SIZES || "10000,100000,1000000")
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isSafeInteger(n) && n > 0)
    .sort((a, b) => a - b),
  scaleSamples: Math.round(setting("BENCH_SCALE_SAMPLES", 40)),
  only: (
    process.env.BENCH_ONLY ||
    "events,placements,reads,large,einvoice,cost,erp,capacity,versions,migration,backoffice,scale"
  )
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
  logLevel: process.env.BENCH_LOG_LEVEL || "warn",
  profile: process.env.BENCH_PROFILE !== "0",
  profileDir: process.env.BENCH_PROFILE_DIR || "",
};
const runs = (scenario) => config.only.includes(scenario);

const progress = (text) => process.stderr.write(`[bench] ${text}\n`);
const out = (text) => process.stdout.write(`${text}\n`);

/** A "where the time goes" table: [label, measurement, rows written] rows against the floor. */
const breakdownTable = (parts, floor, rowsHeader) =>
  table(
    ["<request", "p50 ms", "p99 ms", "req/s", "p50/floor", `<${rowsHeader}`],
    parts.map(([label, r, rows]) => [
      label,
      fmt.ms(r.p50),
      fmt.ms(r.p99),
      fmt.rps(r.rps),
      fmt.ratio(r.p50 / floor.p50),
      rows,
    ]),
  );

const runId = randomUUID().slice(0, 8);
const secrets = {
  JWT_SECRET: `bench-jwt-${randomUUID()}`,
  ERP_WEBHOOK_SECRET: `bench-erp-${randomUUID()}`,
  // Standard Webhooks: whsec_ and the key in base64. The bench's ERP (a local receiver that
  // checks every delivery with the standardwebhooks package) knows it.
  ERP_EXPORT_SECRET: `whsec_${Buffer.from(randomUUID()).toString("base64")}`,
  MAIL_API_KEY: `bench-mail-${randomUUID()}`,
};
/** A bearer token for the bench worker, valid for 4 hours (a whole run). */
const benchToken = (role, sub) =>
  mintToken({ secret: secrets.JWT_SECRET, role, sub, ttlSeconds: 4 * 3600 });
/** The ERP every order's events go to (started in main; its URL is the worker's ERP_EXPORT_URL). */
let erp;
/** The mail provider (started in main; its URL is the worker's MAIL_API_URL), as in production. */
let mailSink;

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? "unknown",
  cores: cpus.length,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
};

const results = {
  startedAt: new Date().toISOString(),
  machine,
  config,
  floor: {},
  versions: [],
  load: [],
  large: [],
  cost: null,
  targets: [],
  failures: [],
};

// ------------------------------------------------------------------ the bench config's drift

/**
 * Every line of wrangler.toml (but name, main and the paths) must appear, in the same
 * order, in the bench config: its bindings stay identical to production's.
 */
function checkConfigDrift() {
  const meaningful = (text) =>
    text
      .split("\n")
      .map((l) => l.trim())
      .filter(
        (l) => l && !l.startsWith("#") && !/^(name|main|migrations_dir|directory)\s*=/.test(l),
      );
  const bench = meaningful(readFileSync(benchConfig, "utf8"));
  const missing = [];
  let at = 0;
  for (const line of meaningful(readFileSync(join(root, "wrangler.toml"), "utf8"))) {
    const found = bench.indexOf(line, at);
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  results.configDrift = missing;
  if (missing.length)
    progress(
      `WARNING: bench/wrangler.bench.toml differs from wrangler.toml; missing or out of order:\n  ${missing.join("\n  ")}`,
    );
}

// ------------------------------------------------------------------ helpers

let server;
let client;
let tokens;

const jsonHeaders = (token) => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
});

/** The floor's options (bench/worker.ts FloorOptions); d1: statements in one D1 batch. */
const floorQuery = ({ alarm = false, d1 = 0, rows = 1, mail = false } = {}) =>
  `${alarm ? "&alarm=1" : ""}${d1 ? `&d1=${d1}` : ""}${rows > 1 ? `&rows=${rows}` : ""}${mail ? "&mail=1" : ""}`;

const floorRequest = (key = "floor", options = {}) => ({
  method: "POST",
  path: `/bench/floor?key=${key}${floorQuery(options)}`,
});

/** A request that reaches a new OrderObject each time, which only creates its schema. */
function newOrderObjectRequest(prefix) {
  let n = 0;
  return {
    method: "GET",
    path: `/bench/stats?reference=${prefix}-0`,
    setupRequest: (req) => {
      n += 1;
      return { ...req, path: `/bench/stats?reference=${prefix}-${n}` };
    },
  };
}

/** A floor request that reaches a new FloorObject every time, as placements reach new orders. */
function floorNewObjectRequest(prefix, options = {}) {
  let n = 0;
  return {
    method: "POST",
    path: `/bench/floor?key=${prefix}-0${floorQuery(options)}`,
    setupRequest: (req) => {
      n += 1;
      return { ...req, path: `/bench/floor?key=${prefix}-${n}${floorQuery(options)}` };
    },
  };
}

function placementRequest(prefix, customerPrefix = "bench-customer") {
  let n = 0;
  return {
    method: "POST",
    path: "/trpc/orders.place",
    headers: jsonHeaders(tokens.checkout),
    setupRequest: (req) => {
      n += 1;
      const body = placement({
        idempotencyKey: `${prefix}-${n}`,
        customerReference: `${customerPrefix}-${n % 100}`,
        lines: 1 + (n % 5),
      });
      return { ...req, body: JSON.stringify(body) };
    },
  };
}

const triggerRequest = (reference, event, dryRun = false) => ({
  method: "POST",
  path: "/trpc/orders.trigger",
  headers: jsonHeaders(tokens.backoffice),
  body: JSON.stringify({ reference, event, target: { all: true }, ...(dryRun ? { dryRun } : {}) }),
});

const queryRequest = (path, input) => ({
  method: "GET",
  path: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
  headers: { authorization: `Bearer ${tokens.backoffice}` },
});

async function measure(label, options) {
  progress(`${label}: ${describe(options)}`);
  const r = await load({ url: server.url, ...options });
  if (r.errors) progress(`  ${r.errors} error(s); first: ${r.firstError}`);
  return r;
}

const describe = (o) =>
  `${o.connections} conn, ${o.amount ? `${o.amount} requests` : `${Number(o.duration.toFixed(2))} s`}`;

/** Interleaved loads (see load.mjs); `loads` maps names to load() options. */
async function measureTogether(label, loads, slices = 3) {
  progress(
    `${label}: ${slices} rounds of ${Object.entries(loads)
      .map(([name, o]) => `${name} (${describe(o)})`)
      .join(", ")}`,
  );
  const r = await interleaved({ url: server.url, slices, loads });
  for (const [name, summary] of Object.entries(r))
    if (summary.errors)
      progress(`  ${name}: ${summary.errors} error(s); first: ${summary.firstError}`);
  return r;
}

/** A load summary without its raw latencies (for results.json). */
const strip = ({ latencies: _latencies, ...summary }) => summary;

/** One row of the load table: a scenario next to the floor measured with it. */
function loadRow(scenario, r, floor) {
  const row = {
    scenario,
    connections: r.connections,
    requests: r.requests,
    errors: r.errors,
    p50: r.p50,
    p99: r.p99,
    rps: r.rps,
    floor: floor ? strip(floor) : null,
    p50Ratio: floor ? r.p50 / floor.p50 : Number.NaN,
    rpsRatio: floor ? r.rps / floor.rps : Number.NaN,
    firstError: r.firstError,
  };
  results.load.push(row);
  return row;
}

function printLoad(rows) {
  out(
    table(
      [
        "<scenario",
        "conn",
        "requests",
        "errors",
        "p50 ms",
        "p99 ms",
        "req/s",
        "floor p50",
        "floor p99",
        "floor req/s",
        "p50/floor",
        "req/s/floor",
      ],
      rows.map((r) => [
        r.scenario,
        r.connections,
        r.requests,
        r.errors,
        fmt.ms(r.p50),
        fmt.ms(r.p99),
        fmt.rps(r.rps),
        fmt.ms(r.floor?.p50),
        fmt.ms(r.floor?.p99),
        fmt.rps(r.floor?.rps),
        fmt.ratio(r.p50Ratio),
        fmt.ratio(r.rpsRatio),
      ]),
    ),
  );
}

function target(name, goal, measured, met) {
  results.targets.push({ name, goal, measured, met });
}

/** Places an order and brings all its items to `confirmed` (payment@1, window still open). */
async function confirmedOrder(lines, idempotencyKey) {
  const order = await client.mutate(
    "orders.place",
    placement({ idempotencyKey, lines }),
    tokens.checkout,
  );
  for (const event of ["pay", "confirm"])
    await client.mutate(
      "orders.trigger",
      { reference: order.reference, event, target: { all: true } },
      tokens.backoffice,
    );
  const view = await client.query("orders.get", { reference: order.reference }, tokens.backoffice);
  if (view.itemStates.confirmed !== lines * 2)
    throw new Error(
      `order ${order.reference} is not confirmed: ${JSON.stringify(view.itemStates)}`,
    );
  return view;
}

/** A confirmed order whose window is then closed: its items are exported, the ERP knows it. */
async function exportedOrder(lines, idempotencyKey) {
  const { reference } = await confirmedOrder(lines, idempotencyKey);
  await client.mutate("orders.closeCancellationWindow", { reference }, tokens.backoffice);
  await settled(reference);
  return reference;
}

/** orders.setCustomReference with a new value each time: one ERP event per request. */
function customReferenceRequest(reference) {
  let n = 0;
  return {
    method: "POST",
    path: "/trpc/orders.setCustomReference",
    headers: jsonHeaders(tokens.backoffice),
    setupRequest: (req) => {
      n += 1;
      return {
        ...req,
        body: JSON.stringify({ reference, customOrderReference: `ERP-${runId}-${n}` }),
      };
    },
  };
}

/** Waits until D1's row of the order has at least `version`; resolves with the ms it took. */
async function projected(customerReference, reference, version) {
  const started = performance.now();
  await until(
    `D1 projection of ${reference} at version ${version}`,
    async () => {
      const { orders } = await client.probe(
        "orders.list",
        { customerReference, limit: 5 },
        tokens.backoffice,
      );
      const row = orders.find((o) => o.reference === reference);
      return row && row.version >= version;
    },
    { timeoutMs: 120_000, intervalMs: 10 },
  );
  return performance.now() - started;
}

/** Waits until the invoice consumer has issued the order's invoice; resolves with the view. */
function invoiceIssued(reference, timeoutMs = 60_000) {
  return until(
    `invoice of ${reference}`,
    async () => {
      const view = await client.probe("orders.get", { reference }, tokens.backoffice);
      return view.invoice ? view : null;
    },
    { timeoutMs, intervalMs: 25 },
  );
}

/** Waits until the order has nothing due in its outbox, so its counters are final. */
async function settled(reference) {
  await until(
    `outbox of ${reference} to settle`,
    async () => {
      const pending = await client.outbox(reference);
      const due = pending.filter((r) => r.nextAttemptAt !== null || r.status === "dead");
      if (due.some((r) => r.attempts > 0))
        throw new Error(`outbox of ${reference} is failing: ${JSON.stringify(due)}`);
      return due.length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
}

// ------------------------------------------------------------------ scenarios

async function warmUp() {
  progress("warming up");
  const seconds = config.warmup;
  await measure("warm-up floor", {
    connections: config.concurrency,
    duration: seconds,
    request: floorRequest("warm"),
  });
  await measure("warm-up placements", {
    connections: 8,
    amount: 40,
    request: placementRequest(`warm-${runId}`),
  });
  const order = await confirmedOrder(10, `warm-order-${runId}`);
  await measure("warm-up events", {
    connections: 4,
    duration: seconds,
    request: triggerRequest(order.reference, "invoice-generate"),
  });
  await measure("warm-up reads", {
    connections: 4,
    duration: seconds / 2,
    request: queryRequest("orders.get", { reference: order.reference }),
  });
  await measure("warm-up lists", {
    connections: 4,
    duration: seconds / 2,
    request: queryRequest("orders.list", { limit: 20 }),
  });
  // A mid-sized order through the large paths.
  const mid = await client.mutate(
    "orders.place",
    placement({ idempotencyKey: `warm-mid-${runId}`, lines: 500 }),
    tokens.checkout,
  );
  await client.mutate(
    "orders.trigger",
    { reference: mid.reference, event: "pay", target: { all: true } },
    tokens.backoffice,
  );
  // Its invoice job must not run during a measurement.
  await invoiceIssued(order.reference);
}

/** Scenarios 1 and 2, measured together: the floor alternates with the events it is the floor of. */
async function floorAndEventsScenario() {
  const order = await confirmedOrder(10, `events-${runId}`);
  results.eventsOrder = order.reference;
  const slice = config.duration / 3;
  const extra = config.duration / 6;
  // The DO rows one event writes, so a floor can write as many (same I/O, no engine). The
  // first invoice-generate also requests the invoice: probe the second.
  const invoiceGenerate = () =>
    client.mutate(
      "orders.trigger",
      { reference: order.reference, event: "invoice-generate", target: { all: true } },
      tokens.backoffice,
    );
  await invoiceGenerate();
  await settled(order.reference);
  const probe = await client.stats(order.reference);
  await invoiceGenerate();
  await settled(order.reference);
  const eventRows = (await client.stats(order.reference)).doRowsWritten - probe.doRowsWritten;
  // A twin order whose projection goes to a null D1 (profiling only).
  const twin = await confirmedOrder(10, `events-twin-${runId}`);
  await client.mutate(
    "orders.trigger",
    { reference: twin.reference, event: "invoice-generate", target: { all: true } },
    tokens.backoffice,
  );
  await settled(twin.reference);
  await client.projection({ off: true, reference: twin.reference });
  // Two exported orders whose custom reference changes with every request, so each answer
  // leaves an ERP event behind: one sends it after the answer, the other's events wait (as
  // with no ERP_EXPORT_URL). The same p50 says a delivery adds nothing to the answer.
  const erpSends = await exportedOrder(10, `events-erp-on-${runId}`);
  const erpWaits = await exportedOrder(10, `events-erp-off-${runId}`);
  await client.erp({ off: true, reference: erpWaits });
  // Their invoice jobs must not run during the measurement.
  await invoiceIssued(order.reference);
  await invoiceIssued(twin.reference);
  const statsBefore = await client.stats(order.reference);
  const alarmsBefore = await client.alarms();
  const seq = await measureTogether("sequential", {
    floor: { connections: 1, duration: slice, request: floorRequest() },
    trigger: {
      connections: 1,
      duration: slice,
      request: triggerRequest(order.reference, "invoice-generate"),
    },
    floorAlarm: {
      connections: 1,
      duration: extra,
      request: floorRequest("floor-alarm", { alarm: true }),
    },
    floorAlarmD1: {
      connections: 1,
      duration: extra,
      request: floorRequest("floor-alarm-d1", { alarm: true, d1: 1 }),
    },
    floorIo: {
      connections: 1,
      duration: extra,
      request: floorRequest("floor-io", { alarm: true, d1: 1, rows: eventRows }),
    },
    get: {
      connections: 1,
      duration: extra,
      request: queryRequest("orders.get", { reference: order.reference }),
    },
    dryRun: {
      connections: 1,
      duration: extra,
      request: triggerRequest(order.reference, "invoice-generate", true),
    },
    noProjection: {
      connections: 1,
      duration: extra,
      request: triggerRequest(twin.reference, "invoice-generate"),
    },
    erpSends: { connections: 1, duration: extra, request: customReferenceRequest(erpSends) },
    erpWaits: { connections: 1, duration: extra, request: customReferenceRequest(erpWaits) },
  });
  await settled(order.reference);
  await settled(erpSends);
  const erpDelivered = erp.log(erpSends).received.length;
  const statsAfter = await client.stats(order.reference);
  const alarmsAfter = await client.alarms();
  const perEvent = {
    doRows: (statsAfter.doRowsWritten - statsBefore.doRowsWritten) / seq.trigger.requests,
    d1Rows: (statsAfter.d1AllRowsWritten - statsBefore.d1AllRowsWritten) / seq.trigger.requests,
    // Only orders run alarms here, and only the events order is busy during this run.
    alarmInvocations:
      (alarmsAfter.invocations - alarmsBefore.invocations) /
      (seq.trigger.requests + seq.dryRun.requests + seq.noProjection.requests),
  };
  const conc = await measureTogether(`${config.concurrency} concurrent`, {
    floor: { connections: config.concurrency, duration: slice, request: floorRequest() },
    trigger: {
      connections: config.concurrency,
      duration: slice,
      request: triggerRequest(order.reference, "invoice-generate"),
    },
  });
  results.floor.sequential = strip(seq.floor);
  results.floor.concurrent = strip(conc.floor);

  out(heading("1. Floor: one RPC to a Durable Object that does one SQLite INSERT"));
  printLoad([
    loadRow("floor, one object", seq.floor, seq.floor),
    loadRow("floor, one object", conc.floor, conc.floor),
  ]);

  out(heading("2. Events on one order: orders.trigger invoice-generate, 10 items in confirmed"));
  const rows = [
    loadRow("orders.trigger, one order", seq.trigger, seq.floor),
    loadRow("orders.trigger, one order", conc.trigger, conc.floor),
  ];
  printLoad(rows);
  for (const row of rows)
    target(
      `single-order event p50, ${row.connections} conn`,
      "<= 1.5x floor p50",
      fmt.ratio(row.p50Ratio),
      row.p50Ratio <= 1.5,
    );
  out("\nWhere the time of one event goes (sequential, interleaved with the floor):");
  const parts = [
    ["floor: one DO RPC, one INSERT", seq.floor, "1 DO row"],
    ["floor + setAlarm (every order command re-arms)", seq.floorAlarm, "1 DO row"],
    ["floor + setAlarm + 1 D1 write after the answer", seq.floorAlarmD1, "1 DO + 1 D1 row"],
    [
      `floor + setAlarm + D1 write + ${eventRows} rows (an event's I/O)`,
      seq.floorIo,
      `${eventRows} DO + 1 D1 rows`,
    ],
    ["orders.get: JWT, Hono/tRPC, zod, RPC, view", seq.get, "0"],
    ["orders.trigger dryRun: + xstate steps, no writes", seq.dryRun, "0"],
    [
      "orders.trigger, projection into a null D1 (profiling)",
      seq.noProjection,
      `${fmt.ms(perEvent.doRows)} DO rows`,
    ],
    [
      "orders.trigger: + transaction, setAlarm, projection",
      seq.trigger,
      `${fmt.ms(perEvent.doRows)} DO + ${fmt.ms(perEvent.d1Rows)} D1 rows`,
    ],
    ["orders.setCustomReference, its ERP event waits (no URL)", seq.erpWaits, "1 ERP event"],
    [
      "orders.setCustomReference, its ERP event sent after the answer",
      seq.erpSends,
      `1 ERP event (${erpDelivered} delivered)`,
    ],
  ];
  out(breakdownTable(parts, seq.floor, "rows written per request"));
  const erpRatio = seq.erpSends.p50 / seq.erpWaits.p50;
  target(
    "ERP delivery's share of an answer (p50 sent / p50 waiting)",
    "<= 1.10x (adds nothing)",
    fmt.ratio(erpRatio),
    erpRatio <= 1.1 && erpDelivered > 0,
  );
  out(
    `alarm() invocations of the order per trigger/dryRun request: ${perEvent.alarmInvocations.toFixed(2)} ` +
      "(each command arms the alarm for the due projection; the waitUntil drain usually delivers first)",
  );
  const clock = await client.clockCalls();
  out(
    `adjustable clock under CLOCK=system: ${clock.instances} objects, ${clock.calls} calls ` +
      "(no RPC and no registry write on any path; it only runs with CLOCK=adjustable)",
  );
  results.eventBreakdown = {
    perEvent,
    eventRows,
    requests: Object.fromEntries(
      parts.map(([label, r]) => [
        label,
        { p50: r.p50, p99: r.p99, rps: r.rps, requests: r.requests },
      ]),
    ),
  };
  // Requests of the breakdown count towards "no errors" too.
  for (const [name, r] of [
    ["floor + alarm", seq.floorAlarm],
    ["floor + alarm + D1", seq.floorAlarmD1],
    ["orders.trigger dryRun", seq.dryRun],
    ["orders.trigger without projection", seq.noProjection],
    ["orders.get (breakdown)", seq.get],
    ["orders.setCustomReference, ERP events wait", seq.erpWaits],
    ["orders.setCustomReference, ERP events sent", seq.erpSends],
  ])
    if (r.errors) results.load.push({ scenario: name, errors: r.errors, firstError: r.firstError });
}

async function placementsScenario() {
  out(
    heading(
      `3. Placements across many orders: 1-5 lines, ${config.placementConcurrency} connections, ${config.placements} orders`,
    ),
  );
  // What a 3-line placement writes (DO rows, D1 statements), for the floors that do as much.
  const replay = placement({ idempotencyKey: `replay-${runId}`, lines: 3 });
  const replayed = await client.mutate("orders.place", replay, tokens.checkout);
  await settled(replayed.reference);
  const placedStats = await client.stats(replayed.reference);
  const placeRows = placedStats.doRowsWritten - schemaRows;
  // A placement's I/O, the order's own work left out: a new object, its rows, the alarm, one
  // D1 batch of the projection's statements, the confirmation mail over HTTP.
  const placementIo = { alarm: true, d1: placedStats.d1Statements, rows: placeRows, mail: true };
  const slices = 4;
  const r = await measureTogether(
    "placements",
    {
      floor: {
        connections: config.placementConcurrency,
        duration: Math.max(1, config.duration / slices),
        request: floorNewObjectRequest(`floor-new-${runId}`),
      },
      io: {
        connections: config.placementConcurrency,
        duration: Math.max(1, config.duration / slices),
        request: floorNewObjectRequest(`floor-new-io-${runId}`, placementIo),
      },
      place: {
        connections: config.placementConcurrency,
        amount: Math.ceil(config.placements / slices),
        request: placementRequest(`place-${runId}`),
      },
    },
    slices,
  );
  if (r.floor.requests === 0) throw new Error("the floor completed no request");
  results.floor.newObjects = strip(r.floor);
  const rows = [
    loadRow("floor, a new object per request", r.floor, r.floor),
    loadRow(
      `floor + a placement's I/O (${placeRows} rows, alarm, ${placementIo.d1} D1 statements, mail)`,
      r.io,
      r.floor,
    ),
    loadRow("orders.place, a new order each", r.place, r.floor),
  ];
  printLoad(rows);
  results.placementIo = { ...placementIo, rpsRatio: rows[1].rpsRatio };

  out("\nWhere the time of one placement goes (sequential, interleaved with the floor):");
  const extra = config.duration / 6;
  const seq = await measureTogether("placement breakdown", {
    floor: {
      connections: 1,
      duration: extra,
      request: floorNewObjectRequest(`floor-seq-${runId}`),
    },
    schema: {
      connections: 1,
      duration: extra,
      request: newOrderObjectRequest(`ORD-EMPTY-${runId}`),
    },
    floorIo: {
      connections: 1,
      duration: extra,
      request: floorNewObjectRequest(`floor-io-${runId}`, placementIo),
    },
    replay: {
      connections: 1,
      duration: extra,
      request: {
        method: "POST",
        path: "/trpc/orders.place",
        headers: jsonHeaders(tokens.checkout),
        body: JSON.stringify(replay),
      },
    },
    place: { connections: 1, duration: extra, request: placementRequest(`place-seq-${runId}`) },
    noProjection: {
      connections: 1,
      duration: extra,
      // The bench worker sends these orders' projections into a null D1.
      request: placementRequest(`place-noproj-${runId}`, "bench-no-projection"),
    },
  });
  const parts = [
    ["floor: a new DO, one table, one INSERT", seq.floor, "1 table + 1 row"],
    ["a new OrderObject: its schema only (stats())", seq.schema, String(schemaRows)],
    [
      `floor: a new DO + ${placeRows} rows + setAlarm + D1 batch (${placementIo.d1}) + mail (a 3-line placement's I/O)`,
      seq.floorIo,
      `${placeRows}`,
    ],
    ["orders.place replay: JWT, zod, 2 x sha256, RPC, view", seq.replay, "0"],
    [
      "orders.place (1-5 lines), projection into a null D1 (profiling)",
      seq.noProjection,
      `${schemaRows} + ${placeRows} (3 lines)`,
    ],
    [
      "orders.place (1-5 lines): new object, schema, placement, projection",
      seq.place,
      `${schemaRows} + ${placeRows} (3 lines)`,
    ],
  ];
  out(breakdownTable(parts, seq.floor, "DO rows per request"));
  results.placementBreakdown = Object.fromEntries(
    parts.map(([label, r]) => [
      label,
      { p50: r.p50, p99: r.p99, rps: r.rps, requests: r.requests },
    ]),
  );
  for (const [name, r] of Object.entries(seq))
    if (r.errors)
      results.load.push({
        scenario: `placement breakdown ${name}`,
        errors: r.errors,
        firstError: r.firstError,
      });

  target(
    "placement throughput",
    ">= 60% of floor req/s (stretch 75%)",
    fmt.pct(rows[2].rpsRatio),
    rows[2].rpsRatio >= 0.6,
  );
  // Issue 30: against the floor that does a placement's I/O and nothing else, in the same run.
  const ofIo = r.place.rps / r.io.rps;
  results.placementIo.placeRpsRatio = ofIo;
  target(
    "placement throughput against its I/O floor",
    ">= 75% of the floor doing a placement's I/O",
    fmt.pct(ofIo),
    ofIo >= 0.75,
  );
}

async function readsScenario() {
  out(
    heading(
      "4. Reads: orders.get from the order's Durable Object, orders.list (and its search) from D1",
    ),
  );
  const reference = results.eventsOrder ?? (await confirmedOrder(10, `reads-${runId}`)).reference;
  const rows = [];
  for (const connections of [1, config.concurrency]) {
    const slice = config.duration / 4;
    const r = await measureTogether(`reads, ${connections} conn`, {
      floor: { connections, duration: slice, request: floorRequest() },
      get: { connections, duration: slice, request: queryRequest("orders.get", { reference }) },
      list: { connections, duration: slice, request: queryRequest("orders.list", { limit: 20 }) },
      // The back office's search box: trigrams over references, email, name and SKUs.
      search: {
        connections,
        duration: slice,
        request: queryRequest("orders.list", { limit: 20, search: "lovelace SKU-3" }),
      },
    });
    rows.push(loadRow("floor, one object", r.floor, r.floor));
    rows.push(loadRow("orders.get (DO), 10 items", r.get, r.floor));
    rows.push(loadRow("orders.list (D1), 20 rows", r.list, r.floor));
    rows.push(loadRow('orders.list search "lovelace SKU-3"', r.search, r.floor));
  }
  printLoad(rows);
  const page = await client.query(
    "orders.list",
    { limit: 20, search: "lovelace SKU-3" },
    tokens.backoffice,
  );
  out(
    `search: every order of this run matches "lovelace" (${page.orders.length} on the first page); ` +
      "the orders placed by the scenarios before it are all in D1's index.",
  );
}

/**
 * Runs the steps of one order's life, each measured: wall time, then (after the projection
 * caught up and the outbox settled) D1 and DO rows it wrote. A step resolves with the order's
 * version after it, and may name its own extra D1 rows (the invoice consumer's).
 */
async function lifecycle(customerReference, steps) {
  const done = [];
  let reference;
  let before = { doRowsWritten: schemaRows, d1RowsWritten: 0, d1AllRowsWritten: 0 };
  for (const step of steps) {
    const consumerBefore = step.consumer ? await client.consumerD1() : null;
    const started = performance.now();
    const { version, reference: ref, check } = await step.run(reference);
    const wallMs = performance.now() - started;
    reference ??= ref;
    const projectionMs = await projected(customerReference, reference, version);
    await settled(reference);
    const stats = await client.stats(reference);
    const consumerRows = consumerBefore
      ? (await client.consumerD1()).rowsWritten - consumerBefore.rowsWritten
      : 0;
    done.push({
      step: step.name,
      requests: step.requests ?? 1,
      wallMs,
      projectionMs,
      doRows: stats.doRowsWritten - before.doRowsWritten,
      d1Rows: stats.d1AllRowsWritten - before.d1AllRowsWritten + consumerRows,
      d1ProjectionRows: stats.d1RowsWritten - before.d1RowsWritten,
      // The order's other D1 writes: a captured confirmation mail (none with MAIL_TRANSPORT=http,
      // the bench's and production's setting).
      d1OrderMailRows:
        stats.d1AllRowsWritten -
        before.d1AllRowsWritten -
        (stats.d1RowsWritten - before.d1RowsWritten),
      d1ConsumerRows: consumerRows,
      check,
    });
    before = stats;
  }
  return { reference, steps: done };
}

const placeStep = (name, input) => ({
  name,
  run: async () => {
    const order = await client.mutate("orders.place", input, tokens.checkout);
    const expected = input.lines.length;
    if (order.items.length !== expected)
      throw new Error(`${name}: ${order.items.length} items, expected ${expected}`);
    return { version: order.version, reference: order.reference, check: order.itemStates };
  },
});

const eventStep = (name, event, expectedMoved) => ({
  name,
  run: async (reference) => {
    const result = await client.mutate(
      "orders.trigger",
      { reference, event, target: { all: true } },
      tokens.backoffice,
    );
    if (expectedMoved !== undefined && result.moved.length !== expectedMoved)
      throw new Error(`${name}: moved ${result.moved.length} items, expected ${expectedMoved}`);
    return { version: result.order.version, check: result.order.itemStates };
  },
});

const closeWindowStep = {
  name: "closeCancellationWindow",
  run: async (reference) => {
    const order = await client.mutate(
      "orders.closeCancellationWindow",
      { reference },
      tokens.backoffice,
    );
    return { version: order.version, check: order.itemStates };
  },
};

/** DO rows a new order object writes before any command: its schema (counted by stats()). */
let schemaRows = 0;

async function measureSchemaRows() {
  const stats = await client.stats(`ORD-BENCH-EMPTY-${runId}`);
  schemaRows = stats.doRowsWritten;
}

let lastLargeLabel = "";

function largeRow(label, step, floorRequests, goal, limitMs, measuredMs = step.wallMs) {
  // An indented row belongs to the row above it; the targets table names both.
  const name = label.startsWith("  ") ? `${lastLargeLabel}: ${label.trim()}` : label;
  if (!label.startsWith("  ")) lastLargeLabel = label;
  const floorMs = results.floor.large.p50 * floorRequests;
  const row = {
    scenario: label,
    requests: step.requests,
    wallMs: step.wallMs,
    projectionMs: step.projectionMs,
    floorMs,
    ratio: step.wallMs / floorMs,
    d1Rows: step.d1Rows,
    doRows: step.doRows,
    floorDoRows: floorRequests,
    goal,
    met: limitMs === undefined ? null : measuredMs < limitMs,
  };
  results.large.push(row);
  if (limitMs !== undefined) target(name, goal, `${fmt.ms(measuredMs)} ms`, row.met);
  return row;
}

async function largeScenario() {
  const lines = config.largeLines;
  const units = config.largeQuantity;
  out(
    heading(
      `5. Large orders: ${lines.toLocaleString("en")} lines; one non-splittable line of ${units.toLocaleString("en")} units`,
    ),
  );
  const rows = [];
  results.floor.large = strip(
    await measure("floor for the large orders", {
      connections: 1,
      duration: Math.max(1, config.duration / 2),
      request: floorRequest(),
    }),
  );

  // Lines: 100, 1,000 and the large order, to show rows growing linearly with lines.
  const sizes = [...new Set([100, 1000, lines].filter((n) => n <= lines))];
  const perSize = [];
  for (const size of sizes) {
    progress(`placing ${size} lines, then pay on all of them`);
    const customer = `bench-large-${size}-${runId}`;
    const life = await lifecycle(customer, [
      placeStep(
        `place ${size} lines`,
        placement({
          idempotencyKey: `large-${size}-${runId}`,
          customerReference: customer,
          lines: size,
        }),
      ),
      eventStep(`pay on ${size} items`, "pay", size),
    ]);
    perSize.push({ size, life });
  }
  for (const { size, life } of perSize) {
    const [place, pay] = life.steps;
    const isLarge = size === lines;
    rows.push(
      largeRow(
        `place ${size.toLocaleString("en")} lines`,
        place,
        1,
        isLarge && lines === 10_000 ? "< 2 s" : "",
        isLarge && lines === 10_000 ? 2000 : undefined,
      ),
    );
    rows.push(
      largeRow(
        "  D1 projection of it",
        { ...place, wallMs: place.projectionMs, d1Rows: Number.NaN, doRows: Number.NaN },
        1,
        isLarge && lines === 10_000 ? "< 3 s" : "",
        isLarge && lines === 10_000 ? 3000 : undefined,
      ),
    );
    rows.push(
      largeRow(
        `pay on all ${size.toLocaleString("en")} items`,
        pay,
        1,
        isLarge && lines === 10_000 ? "< 1 s" : "",
        isLarge && lines === 10_000 ? 1000 : undefined,
      ),
    );
    rows.push(
      largeRow(
        "  D1 projection of it",
        { ...pay, wallMs: pay.projectionMs, d1Rows: Number.NaN, doRows: Number.NaN },
        1,
        "",
      ),
    );
  }
  // Linear in lines: DO rows per extra line between sizes.
  const slopes = [];
  for (let i = 1; i < perSize.length; i++) {
    const a = perSize[i - 1];
    const b = perSize[i];
    for (const k of [0, 1])
      slopes.push({
        step: k === 0 ? "place" : "pay",
        from: a.size,
        to: b.size,
        doRowsPerLine: (b.life.steps[k].doRows - a.life.steps[k].doRows) / (b.size - a.size),
        d1Rows: [a.life.steps[k].d1Rows, b.life.steps[k].d1Rows],
      });
  }
  results.linearity = slopes;

  // Quantity: the same life with 1 unit and with `units` units of one non-splittable line.
  const byQuantity = [];
  for (const quantity of [1, units]) {
    progress(
      `one non-splittable line of ${quantity} units: place, close window, pay, confirm, ship`,
    );
    const customer = `bench-units-${quantity}-${runId}`;
    const life = await lifecycle(customer, [
      placeStep(
        "place",
        placement({
          idempotencyKey: `units-${quantity}-${runId}`,
          customerReference: customer,
          lines: 1,
          quantity,
          splittable: false,
        }),
      ),
      closeWindowStep,
      eventStep("pay", "pay", 1),
      eventStep("confirm", "confirm", 1),
      eventStep("ship", "ship", 1),
    ]);
    const view = await client.query("orders.get", { reference: life.reference }, tokens.backoffice);
    if (
      view.items.length !== 1 ||
      view.items[0].quantity !== quantity ||
      view.items[0].state !== "shipped"
    )
      throw new Error(
        `the ${quantity}-unit line did not ship as one item: ${JSON.stringify(view.items)}`,
      );
    const total = life.steps.reduce(
      (sum, s) => ({
        requests: sum.requests + s.requests,
        wallMs: sum.wallMs + s.wallMs,
        projectionMs: Math.max(sum.projectionMs, s.projectionMs),
        d1Rows: sum.d1Rows + s.d1Rows,
        doRows: sum.doRows + s.doRows,
      }),
      { requests: 0, wallMs: 0, projectionMs: 0, d1Rows: 0, doRows: 0 },
    );
    byQuantity.push({ quantity, life, total });
  }
  for (const { quantity, life, total } of byQuantity) {
    rows.push(
      largeRow(
        `${quantity.toLocaleString("en")}-unit line: place..ship`,
        total,
        total.requests,
        "",
      ),
    );
    for (const s of life.steps) rows.push(largeRow(`  ${s.step}`, s, s.requests, ""));
  }
  const [one, many] = byQuantity;
  // Confirm exports the order, and its D1 rows once depended on whether its ERP event was
  // delivered before the step's projection or after it (then a second projection updated the
  // delivery's row). The drain now sends the projection last, so that race is gone; confirm's
  // rows are still shown apart, so a comeback shows as a difference there, not as a quantity
  // effect.
  const d1Compared = (life) =>
    life.steps.filter((s) => s.step !== "confirm").reduce((n, s) => n + s.d1Rows, 0);
  const d1Confirm = (life) => life.steps.find((s) => s.step === "confirm")?.d1Rows;
  const constant =
    one.total.doRows === many.total.doRows && d1Compared(one.life) === d1Compared(many.life);
  target(
    "rows written constant in quantity",
    `1 unit = ${units.toLocaleString("en")} units`,
    `DO ${one.total.doRows}/${many.total.doRows}, D1 but confirm ${d1Compared(one.life)}/${d1Compared(many.life)} (confirm ${d1Confirm(one.life)}/${d1Confirm(many.life)})`,
    constant,
  );
  results.quantity = byQuantity.map(({ quantity, total }) => ({ quantity, ...total }));

  out(
    table(
      [
        "<step",
        "requests",
        "wall ms",
        "floor ms",
        "wall/floor",
        "D1 rows",
        "DO rows",
        "floor DO rows",
        "<target",
        "<met",
      ],
      rows.map((r) => [
        r.scenario,
        Number.isNaN(r.d1Rows) ? "" : r.requests,
        fmt.ms(r.wallMs),
        Number.isNaN(r.d1Rows) ? "" : fmt.ms(r.floorMs),
        Number.isNaN(r.d1Rows) ? "" : fmt.ratio(r.ratio),
        fmt.int(r.d1Rows),
        fmt.int(r.doRows),
        Number.isNaN(r.d1Rows) ? "" : r.floorDoRows,
        r.goal,
        r.met === null ? "" : r.met ? "met" : "NOT MET",
      ]),
    ),
  );
  out(
    `floor ms = requests x the floor's sequential p50 (${fmt.ms(results.floor.large.p50)} ms, measured just before); ` +
      `DO rows exclude the ${schemaRows} rows of a new order object's schema.`,
  );
  out(
    `rows per extra line (linear in lines): ${slopes
      .map((s) => `${s.step} ${s.from}->${s.to}: ${s.doRowsPerLine.toFixed(2)} DO rows/line`)
      .join(
        "; ",
      )}; D1 rows per step: ${perSize.map((p) => `${p.size} lines ${p.life.steps.map((s) => s.d1Rows).join("+")}`).join(", ")}`,
  );
}

/**
 * The e-invoice of a 1,000-line and of the large order: documents built in the worker (best of
 * 3), the whole issue (invoice-generate to recorded: render, number, R2, mail, record), and a
 * receiver's validation of the UBL with the conformance kit (UBL 2.1 schema + EN 16931 rules)
 * in a Node child process, given up after BENCH_VALIDATE_TIMEOUT seconds.
 */
async function einvoiceScenario() {
  const sizes = [...new Set([1000, config.largeLines])];
  out(heading(`E-invoices of ${sizes.map((n) => n.toLocaleString("en")).join(" and ")} lines`));
  const kb = (bytes) => `${(bytes / 1024).toLocaleString("en", { maximumFractionDigits: 0 })} kB`;
  const rows = [];
  results.einvoice = [];
  for (const lines of sizes) {
    progress(`placing and confirming ${lines} lines for the e-invoice`);
    const { reference } = await confirmedOrder(lines, `einvoice-${lines}-${runId}`);
    const built = await client.einvoice(reference);
    if (built.error) throw new Error(built.error);
    progress("invoice-generate, waiting for the invoice");
    const started = performance.now();
    await client.mutate(
      "orders.trigger",
      { reference, event: "invoice-generate", target: { all: true } },
      tokens.backoffice,
    );
    const view = await invoiceIssued(reference, 180_000);
    const issueMs = performance.now() - started;
    const number = view.invoice.reference;
    const document = await client.query(
      "invoices.document",
      { reference: number, format: "ubl" },
      tokens.backoffice,
    );
    progress(`validating the ${lines}-line UBL with the conformance kit`);
    const validation = await validateInChild(document.content, config.validateTimeoutS);
    const label = `${lines.toLocaleString("en")} lines`;
    rows.push(
      [`${label}: build the UBL (in the worker)`, fmt.ms(built.ublMs), kb(built.ublBytes), ""],
      [`${label}: build the HTML (in the worker)`, fmt.ms(built.htmlMs), kb(built.htmlBytes), ""],
      [
        `${label}: invoice-generate to issued`,
        fmt.ms(issueMs),
        "",
        "render, number, R2, mail, record",
      ],
      [`${label}: validate the UBL (Node)`, fmt.ms(validation.ms), "", validation.note],
    );
    results.einvoice.push({ lines, ...built, issueMs, validation });
  }
  out(table(["step", "ms", "size", "note"], rows));
}

/** Runs the kit's validate.mjs on a document in a child process, killed after `timeoutS`. */
async function validateInChild(xml, timeoutS) {
  const script = join(kitDir, "validate.mjs");
  if (!existsSync(script))
    return { ms: Number.NaN, ok: null, note: `no conformance kit at ${kitDir}` };
  const file = join(os.tmpdir(), `einvoice-${runId}-${randomUUID()}.xml`);
  await writeFile(file, xml);
  const started = performance.now();
  const child = spawn(process.execPath, [script, file], {
    env: { ...process.env, EINVOICE_DEPS_DIR: root },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
  const code = await new Promise((done) => child.on("exit", (c) => done(c)));
  clearTimeout(timer);
  const ms = performance.now() - started;
  await rm(file, { force: true });
  if (code === null) return { ms: Number.NaN, ok: null, note: `not done within ${timeoutS} s` };
  const result = JSON.parse(output.trim().split("\n").at(-1) ?? "{}");
  return {
    ms,
    ok: result.ok,
    note: result.ok
      ? "schema valid, no fatal EN 16931 rule"
      : `${result.schemaErrors?.length} schema errors, fatal: ${result.fatal?.map((f) => f.id).join(" ")}`,
  };
}

async function costScenario() {
  out(
    heading(
      "6. Cost of one order's life: 5 lines, window, pay, confirm, exported to the ERP, ship, invoice",
    ),
  );
  // The events order's invoice (scenario 2) must be out of the way, so the consumer's counter
  // only moves for this order.
  if (results.eventsOrder) await invoiceIssued(results.eventsOrder);
  const customer = `bench-cost-${runId}`;
  await client.countUsage(true);
  const usageBefore = await client.usage();
  const consumerBefore = await client.consumerD1();
  const life = await lifecycle(customer, [
    placeStep(
      "place 5 lines",
      placement({ idempotencyKey: `cost-${runId}`, customerReference: customer, lines: 5 }),
    ),
    closeWindowStep,
    eventStep("pay", "pay", 5),
    eventStep("confirm (moves on to exported)", "confirm", 5),
    eventStep("ship", "ship", 5),
    {
      name: "invoice-generate + invoice issued",
      consumer: true,
      run: async (reference) => {
        await client.mutate(
          "orders.trigger",
          { reference, event: "invoice-generate", target: { all: true } },
          tokens.backoffice,
        );
        const view = await invoiceIssued(reference);
        return { version: view.version, check: view.invoice };
      },
    },
  ]);
  const total = life.steps.reduce(
    (s, x) => ({
      d1: s.d1 + x.d1Rows,
      d1Projection: s.d1Projection + x.d1ProjectionRows,
      d1OrderMail: s.d1OrderMail + x.d1OrderMailRows,
      d1Consumer: s.d1Consumer + x.d1ConsumerRows,
      doRows: s.doRows + x.doRows,
      wallMs: s.wallMs + x.wallMs,
    }),
    { d1: 0, d1Projection: 0, d1OrderMail: 0, d1Consumer: 0, doRows: 0, wallMs: 0 },
  );
  results.cost = { reference: life.reference, steps: life.steps, total, schemaRows };
  // What the life used on Cloudflare's price list (its polling left out: bench/worker.ts usage).
  const usageAfter = await client.usage();
  await client.countUsage(false);
  const consumerAfter = await client.consumerD1();
  const lifeStats = await client.stats(life.reference);
  const used = (name) => usageAfter[name] - usageBefore[name];
  const quantities = {
    workerRequests: used("workerRequests") + used("queueInvocations"),
    cpuMs: await cpuPerLife(customer),
    doRequests: used("doRequests") + lifeStats.alarms,
    doActiveMs: used("doActiveMs") + lifeStats.doActiveMs,
    // The order object's rows, and InvoiceNumbers' one (its allocation).
    doRowsWritten: total.doRows + 1,
    d1RowsWritten: total.d1,
    d1RowsRead: lifeStats.d1RowsRead + consumerAfter.rowsRead - consumerBefore.rowsRead,
    queueOperations: 3 * used("queueMessages"),
    r2ClassA: used("r2ClassA"),
    r2ClassB: used("r2ClassB"),
    doBytes: lifeStats.databaseBytes,
  };
  Object.assign(results.cost, { quantities, prices: PRICES, ...costOfLife(quantities) });
  out(
    table(
      ["<step", "wall ms", "D1 rows: projection", "captured mail", "invoice (consumer)", "DO rows"],
      [
        ...life.steps.map((s) => [
          s.step,
          fmt.ms(s.wallMs),
          s.d1ProjectionRows,
          s.d1OrderMailRows,
          s.d1ConsumerRows,
          s.doRows,
        ]),
        null,
        [
          "total",
          fmt.ms(total.wallMs),
          total.d1Projection,
          total.d1OrderMail,
          total.d1Consumer,
          total.doRows,
        ],
      ],
    ),
  );
  const delivered = erp.log(life.reference).received;
  const inOrder = delivered.every((d, i) => d.sequence === i + 1);
  results.cost.erp = delivered.map((d) => `${d.sequence} ${d.type}`);
  out(
    `D1 rows written for the whole life: ${total.d1}; ` +
      `DO rows: ${total.doRows} in the order object + ${schemaRows} for its schema, ` +
      "+ 1 row in InvoiceNumbers (the number allocation; not counted by stats()).",
  );
  out(
    `ERP: ${delivered.map((d) => `${d.sequence} ${d.type}`).join(", ")} delivered to the bench's ` +
      `receiver (signatures checked with standardwebhooks)${inOrder ? ", in sequence order" : ", OUT OF ORDER"}; ` +
      "their D1 rows (the index of deliveries) are in the projection column.",
  );
  printMoney(results.cost);
  target("D1 rows for one order's life", "<= 25", String(total.d1), total.d1 <= 25);
  target(
    "DO rows for one order's life",
    "< 130 + schema",
    `${total.doRows} + ${schemaRows}`,
    total.doRows < 130,
  );
  target(
    "the life's ERP events delivered, in order",
    "order.exported, invoice.issued",
    delivered.map((d) => d.type).join(", ") || "none",
    inOrder &&
      delivered.some((d) => d.type === "order.exported") &&
      delivered.some((d) => d.type === "invoice.issued"),
  );
}

// ------------------------------------------------------------------ cost in money

/**
 * Cloudflare's published prices (Workers Paid plan, beyond what it includes), as read on the
 * date below; docs/performance.md quotes the same table. A price changes here and there.
 */
const PRICES = {
  asOf: "2026-12-06",
  sources: [
    "https://developers.cloudflare.com/workers/platform/pricing/",
    "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    "https://developers.cloudflare.com/d1/platform/pricing/",
    "https://developers.cloudflare.com/queues/platform/pricing/",
    "https://developers.cloudflare.com/r2/pricing/",
  ],
  /** USD per unit. */
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  doRequest: 0.15 / 1e6,
  /** Per GB-second; an object is billed as 128 MB while active. */
  doGbSecond: 12.5 / 1e6,
  doRowWritten: 1 / 1e6,
  doRowRead: 0.001 / 1e6,
  d1RowWritten: 1 / 1e6,
  d1RowRead: 0.001 / 1e6,
  /** Per 64 KB written, read or deleted: a message delivered once is three. */
  queueOperation: 0.4 / 1e6,
  r2ClassA: 4.5 / 1e6,
  r2ClassB: 0.36 / 1e6,
  /** Storage, per GB-month. */
  d1GbMonth: 0.75,
  doGbMonth: 0.2,
};

/** CPU time (ms) of the workerd processes of the bench's wrangler dev, from /proc. */
function workerdCpuMs() {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[2] is the process group; [11] and [12] user and system time in clock ticks.
    if (name === "workerd" && Number(fields[2]) === server.processGroup)
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

/**
 * CPU time per order's life, as all of local workerd spent it (the Worker, the objects, D1, the
 * queue, wrangler's local collector: an upper bound of what Workers bill as CPU): the same life,
 * 20 orders one after the other with nothing polling, until every invoice is issued.
 */
async function cpuPerLife(customer) {
  const lives = 20;
  const started = workerdCpuMs();
  const references = [];
  for (let i = 0; i < lives; i++) {
    const order = await client.mutate(
      "orders.place",
      placement({
        idempotencyKey: `cost-cpu-${runId}-${i}`,
        customerReference: customer,
        lines: 5,
      }),
      tokens.checkout,
    );
    const reference = order.reference;
    references.push(reference);
    await client.mutate("orders.closeCancellationWindow", { reference }, tokens.backoffice);
    for (const event of ["pay", "confirm", "ship", "invoice-generate"])
      await client.mutate(
        "orders.trigger",
        { reference, event, target: { all: true } },
        tokens.backoffice,
      );
  }
  // Waits without polling the service: the invoices go out within seconds.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const reference of references) await invoiceIssued(reference);
  return (workerdCpuMs() - started) / lives;
}

/** One order's life in money: what it used (`quantities`) times PRICES, per million orders. */
function costOfLife(quantities) {
  const gbSeconds = (quantities.doActiveMs / 1000) * 0.128;
  const parts = {
    "Workers requests": quantities.workerRequests * PRICES.workerRequest,
    "Workers CPU (upper bound: all of workerd)": quantities.cpuMs * PRICES.workerCpuMs,
    "Durable Object requests": quantities.doRequests * PRICES.doRequest,
    "Durable Object duration (upper bound)": gbSeconds * PRICES.doGbSecond,
    "Durable Object rows written": quantities.doRowsWritten * PRICES.doRowWritten,
    "D1 rows written": quantities.d1RowsWritten * PRICES.d1RowWritten,
    "D1 rows read": quantities.d1RowsRead * PRICES.d1RowRead,
    "Queue operations": quantities.queueOperations * PRICES.queueOperation,
    "R2 class A": quantities.r2ClassA * PRICES.r2ClassA,
    "R2 class B": quantities.r2ClassB * PRICES.r2ClassB,
  };
  const byPart = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v * 1e6]));
  const usdPerMillionOrders = Object.values(byPart).reduce((a, b) => a + b, 0);
  return { usdPerMillionOrders, byPart };
}

/** The money table of one order's life (results.cost). */
function printMoney(cost) {
  const q = cost.quantities;
  const amount = {
    "Workers requests": `${q.workerRequests} requests`,
    "Workers CPU (upper bound: all of workerd)": `${fmt.int(q.cpuMs)} ms`,
    "Durable Object requests": `${q.doRequests} requests`,
    "Durable Object duration (upper bound)": `${fmt.int(q.doActiveMs)} ms x 128 MB`,
    "Durable Object rows written": `${q.doRowsWritten} rows`,
    "D1 rows written": `${q.d1RowsWritten} rows`,
    "D1 rows read": `${q.d1RowsRead} rows`,
    "Queue operations": `${q.queueOperations} operations`,
    "R2 class A": `${q.r2ClassA} operations`,
    "R2 class B": `${q.r2ClassB} operations`,
  };
  out(
    `\nThe life in money (Cloudflare's prices of ${cost.prices.asOf}, beyond the plan's inclusions):`,
  );
  out(
    table(
      ["<part", "<per order", "USD per 1M orders", "share"],
      [
        ...Object.entries(cost.byPart)
          .sort((a, b) => b[1] - a[1])
          .map(([part, usd]) => [
            part,
            amount[part],
            usd.toFixed(2),
            fmt.pct(usd / cost.usdPerMillionOrders),
          ]),
        null,
        ["total", "", cost.usdPerMillionOrders.toFixed(2), "100%"],
      ],
    ),
  );
  out(
    `Storage while kept: the order object's SQLite ${fmt.int(q.doBytes)} bytes ` +
      `($${(((q.doBytes * 1e6) / 1e9) * cost.prices.doGbMonth).toFixed(2)} per million orders and month), ` +
      "D1 per order: see the scale scenario.",
  );
}

/** Runs `work` over `items`, `concurrency` at a time; resolves with the results in order. */
async function pool(items, concurrency, work) {
  const done = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      done[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

/**
 * 1,000 orders exported at once to the bench's ERP (a local receiver that checks every
 * signature with the standardwebhooks package): each order's window is closed (its items move
 * on to exported: `order.exported`, sequence 1) and its custom reference set right after
 * (`order.custom-reference.changed`, sequence 2). Measures the time until the ERP has every
 * event, and checks each order's events arrived in sequence order, each once.
 */
async function erpScenario() {
  const n = config.erpOrders;
  const connections = config.placementConcurrency;
  out(heading(`8. ERP delivery burst: ${n.toLocaleString("en")} orders exported at once`));
  progress(`ERP burst: placing ${n} orders (payment method none: confirmed at once)`);
  const references = await pool(Array.from({ length: n }), connections, async (_, i) => {
    const order = await client.mutate(
      "orders.place",
      {
        ...placement({ idempotencyKey: `erp-${runId}-${i}`, customerReference: `erp-${i % 100}` }),
        paymentMethod: "none",
      },
      tokens.checkout,
    );
    return order.reference;
  });
  await pool(references, connections, settled);
  progress(
    `ERP burst: ${n} x (closeCancellationWindow, setCustomReference), ${connections} at a time`,
  );
  const started = performance.now();
  await pool(references, connections, async (reference, i) => {
    await client.mutate("orders.closeCancellationWindow", { reference }, tokens.backoffice);
    await client.mutate(
      "orders.setCustomReference",
      { reference, customOrderReference: `ERP-BURST-${runId}-${i}` },
      tokens.backoffice,
    );
  });
  const answeredMs = performance.now() - started;
  const expected = ["order.exported", "order.custom-reference.changed"];
  const complete = (reference) => erp.log(reference).received.length >= expected.length;
  await until("every ERP event of the burst delivered", () => references.every(complete), {
    timeoutMs: 300_000,
    intervalMs: 20,
  });
  const deliveredMs = performance.now() - started;
  const misordered = references.filter((reference) => {
    const received = erp.log(reference).received;
    return (
      received.length !== expected.length ||
      received.some((r, i) => r.sequence !== i + 1 || r.type !== expected[i])
    );
  });
  const unverified = references.filter((reference) =>
    erp.log(reference).attempts.some((a) => !a.verified),
  );
  const events = n * expected.length;
  results.erpBurst = { orders: n, events, answeredMs, deliveredMs, misordered: misordered.length };
  out(
    table(
      ["<measure", "value"],
      [
        ["orders", n],
        ["ERP events (2 per order)", events],
        [`all ${(2 * n).toLocaleString("en")} commands answered after`, `${fmt.ms(answeredMs)} ms`],
        ["all events delivered after", `${fmt.ms(deliveredMs)} ms`],
        ["events delivered per second", fmt.rps(events / (deliveredMs / 1000))],
        ["orders whose events arrived out of order, twice or not at all", misordered.length],
        ["attempts the receiver could not verify", unverified.length],
      ].map(([a, b]) => [a, String(b)]),
    ),
  );
  target(
    `ERP burst: ${n} orders delivered, in order per order`,
    "all, in sequence order",
    `${fmt.ms(deliveredMs)} ms, ${misordered.length} out of order`,
    misordered.length === 0 && unverified.length === 0,
  );
  await silentErp();
}

/**
 * An ERP that never answers (each attempt open until ERP_EXPORT_TIMEOUT, 15 s) beside one that
 * does: for orders whose export is on the wire, a cancel's time from its answer until
 * `orders.list` and `reservations.get` show it, and an invoice-generate's until the invoice is
 * issued (through the invoice queue, whose batches wait up to a second). Neither may wait for
 * the ERP: with it silent they match the answering ERP's times.
 */
async function silentErp(orders = 10) {
  progress(`silent ERP: ${2 * orders} orders exported, a cancel and an invoice each`);
  const times = {
    silent: { readModel: [], invoice: [] },
    answering: { readModel: [], invoice: [] },
  };
  let stillOpen = 0;
  for (let i = 0; i < 2 * orders; i++) {
    const mode = i % 2 === 0 ? "silent" : "answering";
    const input = placement({ idempotencyKey: `erp-silent-${runId}-${i}` });
    const skus = input.lines.map((_, j) => `SILENT-${runId}-${i}-${j}`);
    const order = await client.mutate(
      "orders.place",
      {
        ...input,
        paymentMethod: "none",
        lines: input.lines.map((l, j) => ({ ...l, sku: skus[j] })),
      },
      tokens.checkout,
    );
    const { reference } = order;
    await settled(reference);
    erp.behave(reference, mode === "silent" ? { hang: true } : {});
    await client.mutate("orders.closeCancellationWindow", { reference }, tokens.backoffice);
    await until(
      `the export of ${reference} on the wire`,
      () => erp.log(reference).attempts.length > 0,
    );
    const item = order.items[0];
    const cancelled = await client.mutate(
      "orders.trigger",
      { reference, event: "cancel", target: { items: [{ id: item.id, quantity: 1 }] } },
      tokens.backoffice,
    );
    const cancelAnswered = performance.now();
    await client.mutate(
      "orders.trigger",
      { reference, event: "invoice-generate", target: { all: true } },
      tokens.backoffice,
    );
    const invoiceAnswered = performance.now();
    const wanted = skus.map((sku, j) => ({ sku, reserved: j === 0 ? item.quantity - 1 : 2 }));
    await until(
      `${reference}: the cancel in orders.list and reservations.get`,
      async () => {
        const [list, reserved] = await Promise.all([
          client.query("orders.list", { reference }, tokens.backoffice),
          client.query("reservations.get", { skus }, tokens.backoffice),
        ]);
        return (
          (list.orders[0]?.version ?? 0) >= cancelled.order.version &&
          JSON.stringify(reserved) === JSON.stringify(wanted)
        );
      },
      { timeoutMs: 60_000, intervalMs: 5 },
    );
    times[mode].readModel.push(performance.now() - cancelAnswered);
    await until(
      `${reference}: the invoice`,
      async () => {
        const view = await client.query("orders.get", { reference }, tokens.backoffice);
        return view.invoice !== null;
      },
      { timeoutMs: 60_000, intervalMs: 5 },
    );
    times[mode].invoice.push(performance.now() - invoiceAnswered);
    // Measured while the silent ERP's attempt was still open (no second attempt yet).
    if (mode === "silent") {
      if (erp.log(reference).attempts.every((a) => a.status === "hung")) stillOpen += 1;
      erp.behave(reference, {});
    }
  }
  const max = (values) => Math.max(...values);
  const p50 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const { silent, answering } = times;
  results.silentErp = { orders, ...times, stillOpen };
  out(
    table(
      [
        "<ms from the command's answer",
        "silent p50",
        "silent max",
        "answering p50",
        "answering max",
      ],
      [
        ["a cancel -> orders.list and reservations.get show it", "readModel"],
        ["invoice-generate -> the invoice issued", "invoice"],
      ].map(([label, key]) => [
        label,
        fmt.ms(p50(silent[key])),
        fmt.ms(max(silent[key])),
        fmt.ms(p50(answering[key])),
        fmt.ms(max(answering[key])),
      ]),
    ),
  );
  target(
    "silent ERP: the read model within a second, the invoice as with an answering ERP",
    "read model <= 1 s; invoice p50 <= answering p50 + 250 ms; ERP attempt open",
    `read model ${fmt.ms(max(silent.readModel))} ms, invoice ${fmt.ms(p50(silent.invoice))} ms (answering ${fmt.ms(p50(answering.invoice))} ms), ${stillOpen}/${orders} open`,
    max(silent.readModel) <= 1_000 &&
      p50(silent.invoice) <= p50(answering.invoice) + 250 &&
      stillOpen === orders,
  );
}

/**
 * The serial points of a deployment, measured alone on this machine: one InvoiceNumbers object
 * (every invoice of the service takes its number there) and the one D1 database (every
 * order's projection goes there). docs/performance.md ("Serial points") reads these as local ceilings.
 */
async function capacityScenario() {
  out(heading("9. Capacity: the single objects every order goes through"));
  const concurrency = config.placementConcurrency;
  const rows = [];
  for (const [what, n, label] of [
    ["invoice-numbers", 2000, "invoice numbers from one InvoiceNumbers object"],
    ["d1-projections", 1000, "placement projections into the one D1 (3 SKUs each)"],
  ]) {
    progress(`capacity: ${n} ${what}, ${concurrency} in flight`);
    const r = await client.capacity(what, n, concurrency);
    rows.push({
      what,
      label,
      n,
      ms: r.ms,
      perSecond: n / (r.ms / 1000),
      rowsWritten: r.rowsWritten,
    });
  }
  results.capacity = rows;
  out(
    table(
      ["<serial point", "calls", "ms", "per second", "D1 rows per call"],
      rows.map((r) => [
        r.label,
        r.n,
        fmt.ms(r.ms),
        fmt.rps(r.perSecond),
        r.what === "d1-projections" ? fmt.ms(r.rowsWritten / r.n) : "-",
      ]),
    ),
  );
  out(
    `${concurrency} calls in flight, from inside the worker (no HTTP per call). Ceilings of this ` +
      "machine's workerd, where every object shares one thread: ratios, not production figures.",
  );
}

/**
 * Samples the worker's isolate (worker and Durable Objects; not D1, not wrangler's proxy) while
 * a load runs, and splits its CPU time by source file or package (through the bundle's map).
 */
async function profileScenario() {
  out(heading("7. Profile: CPU time of the worker's isolate (worker + Durable Objects), sampled"));
  const inspector = await connectInspector(server.inspectorPort);
  try {
    const sourceOf = await loadSourceMap(server.sourceMap);
    const reference = results.eventsOrder ?? (await confirmedOrder(10, `prof-${runId}`)).reference;
    const duration = Math.max(1, config.duration / 2);
    const conc = config.placementConcurrency;
    const loads = [
      ["floor, one object, 1 conn", 1, floorRequest()],
      ["orders.trigger, 1 conn", 1, triggerRequest(reference, "invoice-generate")],
      [
        `floor, a new object each, ${conc} conn`,
        conc,
        floorNewObjectRequest(`prof-floor-${runId}`),
      ],
      [`orders.place, ${conc} conn`, conc, placementRequest(`prof-place-${runId}`)],
    ];
    const profiled = [];
    for (const [label, connections, request] of loads) {
      progress(`profiling ${label} for ${duration} s`);
      const { profile, result } = await inspector.profile(() =>
        load({ url: server.url, connections, duration, request }),
      );
      profiled.push({ label, result, ...attribute(profile, sourceOf) });
      if (config.profileDir) {
        const file = `${label.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`;
        await writeFile(join(config.profileDir, file), JSON.stringify(profile));
      }
    }
    const cpu = (p) => p.busyMs / Math.max(1, p.result.requests);
    out(
      table(
        ["<load", "requests", "req/s", "isolate CPU ms/request", "x floor", "isolate busy"],
        profiled.map((p, i) => [
          p.label,
          p.result.requests,
          fmt.rps(p.result.rps),
          fmt.ms(cpu(p)),
          fmt.ratio(cpu(p) / cpu(profiled[i < 2 ? 0 : 2])),
          fmt.pct(p.busyMs / (p.result.seconds * 1000)),
        ]),
      ),
    );
    out(
      "isolate busy = share of wall time the isolate ran JavaScript (or GC); x floor compares with the floor above it.",
    );
    for (const p of profiled.slice(1)) {
      out(`\n${p.label}: isolate CPU per request by file or package (top 12)`);
      out(
        table(
          ["<file or package", "ms/request", "share"],
          p.owners
            .slice(0, 12)
            .map(([owner, ms]) => [
              owner,
              (ms / p.result.requests).toFixed(3),
              fmt.pct(ms / p.busyMs),
            ]),
        ),
      );
      out(`${p.label}: top functions by self time`);
      out(
        table(
          ["<function  [file or package]", "ms/request", "share"],
          p.functions
            .slice(0, 10)
            .map(([fn, ms]) => [fn, (ms / p.result.requests).toFixed(3), fmt.pct(ms / p.busyMs)]),
        ),
      );
    }
    results.profile = profiled.map((p) => ({
      label: p.label,
      requests: p.result.requests,
      rps: p.result.rps,
      isolateCpuMsPerRequest: cpu(p),
      busyShare: p.busyMs / (p.result.seconds * 1000),
      owners: p.owners
        .slice(0, 25)
        .map(([owner, ms]) => ({ owner, msPerRequest: ms / p.result.requests })),
      functions: p.functions
        .slice(0, 25)
        .map(([fn, ms]) => ({ function: fn, msPerRequest: ms / p.result.requests })),
    }));
    for (const p of profiled)
      if (p.result.errors)
        results.load.push({
          scenario: `profile ${p.label}`,
          errors: p.result.errors,
          firstError: p.result.firstError,
        });
  } finally {
    inspector.close();
  }
}

/** The back office's page of a 10,000-line order in Chromium: time to interactive. */
async function backofficeScenario() {
  out(heading("Back office: the order page of a large order (Chromium)"));
  const why = unavailable();
  if (why) {
    out(`skipped: ${why}`);
    results.backoffice = { skipped: why };
    return;
  }
  const lines = config.largeLines;
  const order = await client.mutate(
    "orders.place",
    placement({ idempotencyKey: `page-${runId}`, lines }),
    tokens.checkout,
  );
  // What the page asks for first: the order from its object, the events it offers.
  const get = await timed(() =>
    client.query("orders.get", { reference: order.reference }, tokens.backoffice),
  );
  const events = await timed(() =>
    client.query("orders.events", { reference: order.reference }, tokens.backoffice),
  );
  progress(`back office: ${config.pageRuns} cold loads of the ${lines}-line order page`);
  const times = await orderPageTimes({
    url: server.url,
    token: tokens.backoffice,
    reference: order.reference,
    firstSku: "SKU-1",
    runs: config.pageRuns,
  });
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)];
  const worst = sorted.at(-1);

  // The pages across orders: the matrix, and the order list showing 1,000 orders.
  const listed = await client.query("orders.list", { limit: 100 }, tokens.backoffice);
  let have = listed.orders.length;
  for (let cursor = listed.nextCursor; cursor && have < 1000; ) {
    const page = await client.query("orders.list", { limit: 100, cursor }, tokens.backoffice);
    have += page.orders.length;
    cursor = page.nextCursor;
  }
  if (have < 1000) {
    progress(`back office: placing ${1000 - have} orders for the 1,000-order list`);
    const todo = Array.from({ length: 1000 - have }, (_, i) => i);
    const place = async () => {
      for (let i = todo.pop(); i !== undefined; i = todo.pop())
        await client.mutate(
          "orders.place",
          placement({ idempotencyKey: `list-${runId}-${i}`, lines: 2 }),
          tokens.checkout,
        );
    };
    await Promise.all(Array.from({ length: 16 }, place));
    await settledList(1000);
  }
  progress(`back office: ${config.pageRuns} cold loads of the matrix and the 1,000-order list`);
  const matrixTimes = await pageTimes({
    url: server.url,
    token: tokens.backoffice,
    path: "/matrix",
    ready: { kind: "matrix" },
    runs: config.pageRuns,
  });
  const listTimes = await pageTimes({
    url: server.url,
    token: tokens.backoffice,
    path: "/?show=1000",
    ready: { kind: "list", rows: 1000 },
    runs: config.pageRuns,
  });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const matrixP50 = median(matrixTimes);
  const listP50 = median(listTimes);
  out(
    table(
      ["<step", "ms", "<note"],
      [
        ["orders.get (from the order object)", fmt.ms(get.ms), `${fmtBytes(get.bytes)} of JSON`],
        ["orders.events", fmt.ms(events.ms), `${fmtBytes(events.bytes)} of JSON`],
        [
          `${lines}-line order page interactive, p50 of ${times.length}`,
          fmt.ms(p50),
          "navigation start to a free main thread with the first row's buttons",
        ],
        [`${lines}-line order page interactive, slowest`, fmt.ms(worst), ""],
        [
          `order matrix interactive, p50 of ${matrixTimes.length}`,
          fmt.ms(matrixP50),
          "navigation start to a free main thread with a count to open",
        ],
        [
          `order list of 1,000 orders interactive, p50 of ${listTimes.length}`,
          fmt.ms(listP50),
          "navigation start to a free main thread with the 1,000 orders in the table (one call)",
        ],
      ],
    ),
  );
  results.backoffice = {
    lines,
    times,
    p50,
    worst,
    getMs: get.ms,
    eventsMs: events.ms,
    matrixTimes,
    matrixP50,
    listTimes,
    listP50,
  };
  target(
    `${lines}-line order page interactive (Chromium, p50)`,
    "< 2000 ms",
    `${fmt.ms(p50)} ms`,
    p50 < 2000,
  );
  target(
    "order matrix page interactive (Chromium, p50)",
    "< 1000 ms",
    `${fmt.ms(matrixP50)} ms`,
    matrixP50 < 1000,
  );
  target(
    "1,000-order list page interactive (Chromium, p50)",
    "< 1000 ms",
    `${fmt.ms(listP50)} ms`,
    listP50 < 1000,
  );
}

/** Waits until D1's list holds at least `count` orders (projections follow within moments). */
async function settledList(count) {
  for (let tries = 0; ; tries++) {
    let have = 0;
    let cursor;
    do {
      const page = await client.query(
        "orders.list",
        { limit: 100, ...(cursor ? { cursor } : {}) },
        tokens.backoffice,
      );
      have += page.orders.length;
      cursor = page.nextCursor;
    } while (cursor && have < count);
    if (have >= count) return;
    if (tries > 100) throw new Error(`D1 lists ${have} orders, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function timed(call) {
  const started = performance.now();
  const value = await call();
  return { ms: performance.now() - started, bytes: JSON.stringify(value).length };
}

const fmtBytes = (n) => (n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

// ------------------------------------------------------------------ scale

/** Percentile of sorted values (nearest rank). */
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/**
 * One read over HTTP, `samples` times one after the other (after 3 unmeasured), then once more
 * with the bench worker counting D1's rows read: { p50, p99, rowsRead }.
 */
async function timedRead({ path, input, token }, samples) {
  const url = `${server.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const headers = { authorization: `Bearer ${token}` };
  const once = async (extra = {}) => {
    const started = performance.now();
    const res = await fetch(url, { headers: { ...headers, ...extra } });
    const body = await res.text();
    if (!res.ok)
      throw new Error(
        `${path} ${JSON.stringify(input)} answered ${res.status}: ${body.slice(0, 300)}`,
      );
    return { ms: performance.now() - started, res, body };
  };
  for (let i = 0; i < 3; i++) await once();
  const times = [];
  for (let i = 0; i < samples; i++) times.push((await once()).ms);
  times.sort((a, b) => a - b);
  const counted = await once({ "x-bench-rows-read": "1" });
  const data = JSON.parse(counted.body).result.data;
  const found = Array.isArray(data)
    ? data.length
    : (data.orders ?? data.invoices ?? data.deliveries ?? []).length;
  return {
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    rowsRead: Number(counted.res.headers.get("x-bench-rows-read")),
    found,
  };
}

/**
 * The read model at 10,000, 100,000 and 1,000,000 orders (BENCH_SCALE_SIZES): a synthetic shop
 * (bench/scale.ts) written to D1 through the projection's own statements, the smaller sizes
 * samples of the largest (every 100th, every 10th order: the same three years, the same mix);
 * after each size, every read the API and the back office make, over HTTP.
 */
async function scaleScenario() {
  const sizes = config.scaleSizes;
  const largest = sizes.at(-1);
  if (!largest || sizes.some((n) => largest % n !== 0))
    throw new Error(`BENCH_SCALE_SIZES must divide the largest: ${sizes.join(",")}`);
  out(
    heading(`10. The read model at ${sizes.map((n) => n.toLocaleString("en")).join(" / ")} orders`),
  );
  const now = Date.now();
  const DAY = 86_400_000;
  // Order i of the largest shop; the sample of size n holds every (largest / n)-th.
  const sample = largest / sizes[0];
  // A custom reference of the smallest sample's newest orders.
  let customRef;
  for (let i = largest - sample; i >= 0 && !customRef; i -= sample)
    customRef = (await client.scaleOrder(i, largest, now)).customOrderReference;
  const customer = "frequent-7";
  const backoffice = tokens.backoffice;
  const checkout = tokens.checkout;
  const list = (input) => ({
    path: "orders.list",
    input: { limit: 20, ...input },
    token: backoffice,
  });
  const reads = {
    "orders.list newest": list({}),
    "orders.list by customer": list({ customerReference: customer }),
    "orders.list by custom reference": list({ customOrderReference: customRef }),
    "orders.list state, common (closed)": list({ state: "closed" }),
    "orders.list state, rare (returned)": list({ state: "returned" }),
    "orders.list date range (30 days, a year ago)": list({
      placedFrom: new Date(now - 395 * DAY).toISOString(),
      placedTo: new Date(now - 365 * DAY).toISOString(),
    }),
    "orders.list search, rare word": list({ search: "zyxwarth" }),
    "orders.list search, common word": list({ search: "gmbh" }),
    "orders.list search, two words": list({ search: "lovelace SKU-1" }),
    "orders.list search, a seldom bought SKU": list({ search: "SKU-4321" }),
    "orders.matrix": { path: "orders.matrix", input: {}, token: backoffice },
    "reservations.get (100 SKUs)": {
      path: "reservations.get",
      input: { skus: Array.from({ length: 100 }, (_, i) => `SKU-${i * 7}`) },
      token: checkout,
    },
    "invoices.list": { path: "invoices.list", input: {}, token: backoffice },
    "exports.list": { path: "exports.list", input: {}, token: backoffice },
  };
  const before = (await client.d1Size()).bytes;
  const scale = {
    sizes,
    bytesPerOrder: [],
    fillSeconds: [],
    d1RowsWrittenPerOrder: [],
    reads: Object.fromEntries(
      Object.keys(reads).map((name) => [name, { p50: [], p99: [], rowsRead: [], found: [] }]),
    ),
  };
  results.scale = scale;
  let filled = 0;
  let previousEvery = 0;
  for (const size of sizes) {
    const every = largest / size;
    const started = performance.now();
    let rowsWritten = 0;
    // Orders i (multiples of `every`, not already there), about 5,000 per call.
    const span = 5_000 * every;
    for (let from = 0; from < largest; from += span) {
      const r = await client.scaleFill({
        from,
        to: Math.min(largest, from + span),
        every,
        except: previousEvery,
        total: largest,
        now,
      });
      rowsWritten += r.rowsWritten;
      if (from % (span * 20) === 0)
        progress(`scale: ${size}: orders up to ${from + span} of ${largest} (step ${every})`);
    }
    const seconds = (performance.now() - started) / 1000;
    const added = size - filled;
    filled = size;
    previousEvery = every;
    const bytes = (await client.d1Size()).bytes - before;
    scale.fillSeconds.push(seconds);
    scale.bytesPerOrder.push(bytes / size);
    scale.d1RowsWrittenPerOrder.push(rowsWritten / added);
    progress(
      `scale: ${size} orders (${added} added in ${seconds.toFixed(0)} s, ${fmt.int(rowsWritten / added)} D1 rows each); ${fmt.int(bytes / size)} bytes per order; reading`,
    );
    for (const [name, read] of Object.entries(reads)) {
      const r = await timedRead(read, config.scaleSamples);
      for (const k of ["p50", "p99", "rowsRead", "found"]) scale.reads[name][k].push(r[k]);
    }
  }
  const head = sizes.map((n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`));
  const last = sizes.length - 1;
  out(
    table(
      [
        "<read (p50 / p99 ms, HTTP)",
        ...head.map((h) => `${h} p50`),
        ...head.map((h) => `${h} p99`),
        `rows read ${head[last]}`,
        `${head[last]} / ${head[0]} p50`,
      ],
      Object.entries(scale.reads).map(([name, r]) => [
        name,
        ...r.p50.map(fmt.ms),
        ...r.p99.map(fmt.ms),
        fmt.int(r.rowsRead[last]),
        fmt.ratio(r.p50[last] / r.p50[0]),
      ]),
    ),
  );
  out(
    table(
      ["<size", ...head],
      [
        ["bytes per order (D1 file)", ...scale.bytesPerOrder.map(fmt.int)],
        ["fill seconds (this step)", ...scale.fillSeconds.map((s) => s.toFixed(0))],
        [
          "D1 rows written per order filled",
          ...scale.d1RowsWrittenPerOrder.map((n) => n.toFixed(1)),
        ],
      ],
    ),
  );
  for (const [name, r] of Object.entries(scale.reads)) {
    const p50 = r.p50[last];
    target(
      `scale: ${name} at ${head[last]}`,
      `p50 <= 50 ms and <= 3x its p50 at ${head[0]}`,
      `${fmt.ms(p50)} ms, ${fmt.ratio(p50 / r.p50[0])}`,
      p50 <= 50 && p50 <= 3 * r.p50[0],
    );
  }
}

// ------------------------------------------------------------------ main

/** What the scenarios of bench/processes.mjs use of this run. */
const issue31 = () => ({
  client,
  tokens,
  out,
  runId,
  pool,
  results,
  orders: config.migrationOrders,
});

async function main() {
  out(heading("edge-oms benchmark"));
  out(
    table(
      ["<", "<"],
      [
        ["CPU", `${machine.cpu} x ${machine.cores} cores`],
        ["memory", `${machine.memoryGb} GB`],
        ["node", machine.node],
        ["platform", machine.platform],
        ["load average at start", machine.loadAverage.join(" ")],
        [
          "settings",
          `duration ${config.duration} s, concurrency ${config.concurrency}, placements ${config.placements} at ${config.placementConcurrency}, large ${config.largeLines} lines / ${config.largeQuantity} units`,
        ],
        ["worker", "wrangler dev (local workerd), bench/wrangler.bench.toml"],
      ],
    ),
  );
  checkConfigDrift();
  const started = performance.now();
  // The page scenario measures the app as it is now, not an old build.
  if (runs("backoffice") && !unavailable()) {
    progress("building the back office");
    await buildWeb();
  }
  erp = await startErpReceiver({ secret: secrets.ERP_EXPORT_SECRET });
  mailSink = await startMailSink();
  progress("starting the worker (wrangler dev)");
  server = await startBenchServer({
    secrets: { ...secrets, ERP_EXPORT_URL: erp.url, MAIL_API_URL: mailSink.url },
    logLevel: config.logLevel,
  });
  progress(`worker ready at ${server.url} after ${fmt.ms(performance.now() - started)} ms`);
  client = api(server.url);
  tokens = {
    checkout: await benchToken("checkout", "bench-checkout"),
    backoffice: await benchToken("backoffice", "bench-admin"),
  };

  await measureSchemaRows();
  await warmUp();
  const scenarios = [
    ["events", floorAndEventsScenario],
    ["placements", placementsScenario],
    ["reads", readsScenario],
    ["large", largeScenario],
    ["einvoice", einvoiceScenario],
    ["cost", costScenario],
    ["erp", erpScenario],
    ["capacity", capacityScenario],
    ["versions", () => versionsScenario(issue31())],
    ["migration", () => migrationScenario(issue31())],
    ["backoffice", backofficeScenario],
    ["profile", profileScenario],
    // Last: it leaves a million orders in D1.
    ["scale", scaleScenario],
  ];
  for (const [name, scenario] of scenarios) {
    if (name === "profile" ? !config.profile : !runs(name)) continue;
    try {
      await scenario();
    } catch (error) {
      progress(`scenario ${name} failed: ${error?.stack ?? error}`);
      out(`scenario ${name} FAILED: ${error?.message ?? error}`);
      results.failures.push({ scenario: name, error: String(error?.message ?? error) });
    }
  }

  const clock = await client.clockCalls();
  results.adjustableClock = clock;
  target(
    "adjustable clock cost under CLOCK=system",
    "0 objects, 0 calls",
    `${clock.instances} objects, ${clock.calls} calls`,
    clock.instances === 0 && clock.calls === 0,
  );

  const errors = results.load.reduce((n, r) => n + r.errors, 0);
  results.mails = mailSink.counts();
  target(
    "no errors (requests, scenarios, mails the provider refused)",
    "0",
    String(errors + results.failures.length + results.mails.refused),
    errors === 0 && !results.failures.length && results.mails.refused === 0,
  );

  out(heading("Targets (issues 30 and 18, and those of issues 5 and 8 still standing)"));
  out(
    table(
      ["<target", "<goal", "<measured", "<met"],
      results.targets.map((t) => [t.name, t.goal, t.measured, t.met ? "met" : "NOT MET"]),
    ),
  );
  results.totalSeconds = (performance.now() - started) / 1000;
  out(`\ntotal ${results.totalSeconds.toFixed(0)} s; figures in bench/results.json`);
}

let exitCode = 0;
const onSignal = (signal) => {
  progress(`${signal}: stopping the worker`);
  Promise.resolve(server?.stop()).finally(() => process.exit(130));
};
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);
try {
  await main();
} catch (error) {
  exitCode = 1;
  progress(`failed: ${error?.stack ?? error}`);
  results.failures.push({ scenario: "run", error: String(error?.message ?? error) });
  if (server) progress(`wrangler output (tail):\n${server.output().slice(-4000)}`);
} finally {
  if (server) {
    progress("stopping the worker");
    await server.stop();
  }
  await erp?.stop();
  await mailSink?.stop();
  results.finishedAt = new Date().toISOString();
  await writeFile(join(root, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
}
if (results.failures.length) exitCode = 1;
process.exit(exitCode);
