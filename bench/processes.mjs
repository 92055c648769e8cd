// Scenarios of issue 31: `versions` (orders.at rebuilt from the order object's version log,
// against orders.get) and `migration` (processes.migrate of BENCH_MIGRATION_ORDERS running
// payment@1 orders onto payment@2: the dry run, then the run until it is finished).
import { placement, until } from "./api.mjs";
import { fmt, heading, table } from "./report.mjs";

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

async function samples(n, call) {
  const ms = [];
  await call();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99) };
}

/**
 * An order of `lines` lines taken through `splits` partial payments (one history entry and one
 * log row each), then confirmed, exported, shipped and delivered: about splits + 6 versions.
 */
async function orderWithHistory(ctx, lines, splits, key) {
  const { client, tokens } = ctx;
  const order = await client.mutate(
    "orders.place",
    placement({ idempotencyKey: key, lines }),
    tokens.checkout,
  );
  const { reference } = order;
  for (const item of order.items.slice(0, splits))
    await client.mutate(
      "orders.trigger",
      { reference, event: "pay", target: { items: [{ id: item.id, quantity: 1 }] } },
      tokens.backoffice,
    );
  const trigger = (event) =>
    client.mutate("orders.trigger", { reference, event, target: { all: true } }, tokens.backoffice);
  await trigger("pay");
  await trigger("confirm");
  await client.mutate("orders.closeCancellationWindow", { reference }, tokens.backoffice);
  await trigger("ship");
  const last = await trigger("deliver");
  return { reference, first: order.version, last: last.order.version };
}

export async function versionsScenario(ctx) {
  const { client, tokens, out, runId } = ctx;
  out(heading("orders.at: the order as it was, rebuilt from the version log"));
  const rows = [];
  for (const [lines, splits] of [
    [10, 10],
    [1000, 50],
  ]) {
    const o = await orderWithHistory(ctx, lines, splits, `versions-${lines}-${runId}`);
    const get = await samples(20, () =>
      client.query("orders.get", { reference: o.reference }, tokens.backoffice),
    );
    const atFirst = await samples(20, () =>
      client.query("orders.at", { reference: o.reference, version: o.first }, tokens.backoffice),
    );
    const atLast = await samples(20, () =>
      client.query("orders.at", { reference: o.reference, version: o.last }, tokens.backoffice),
    );
    const diff = await samples(10, () =>
      client.query(
        "orders.diff",
        { reference: o.reference, from: o.first, to: o.last },
        tokens.backoffice,
      ),
    );
    rows.push([
      `${lines} lines, ${o.last} versions`,
      fmt.ms(get.p50),
      fmt.ms(atFirst.p50),
      fmt.ms(atLast.p50),
      fmt.ms(atLast.p99),
      fmt.ms(diff.p50),
    ]);
    ctx.results.versions.push({ lines, versions: o.last, get, atFirst, atLast, diff });
  }
  out(
    table(
      ["<order", "get p50 ms", "at(first) p50", "at(last) p50", "at(last) p99", "diff p50"],
      rows,
    ),
  );
  out(
    "at(v) applies the log's rows up to v (the changed rows of each version) from the placement; " +
      "a snapshot per version would write the whole order with every command instead.",
  );
}

export async function migrationScenario(ctx) {
  const { client, tokens, out, runId, pool, orders: count } = ctx;
  out(heading(`processes.migrate: ${count} running payment@1 orders onto payment@2`));
  // Every state of payment@1 onto its namesake in payment@2, as the service describes it.
  const { states } = await client.query("processes.get", { name: "payment@1" }, tokens.backoffice);
  const identity = Object.fromEntries(states.map((s) => [s.name, s.name]));
  const steps = [[], ["pay"], ["pay", "confirm"], ["pay", "confirm", "close"]];
  const placed = await pool(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const order = await client.mutate(
        "orders.place",
        placement({ idempotencyKey: `migration-${runId}-${i}`, lines: 2 }),
        tokens.checkout,
      );
      for (const step of steps[i % steps.length])
        if (step === "close")
          await client.mutate(
            "orders.closeCancellationWindow",
            { reference: order.reference },
            tokens.backoffice,
          );
        else
          await client.mutate(
            "orders.trigger",
            { reference: order.reference, event: step, target: { all: true } },
            tokens.backoffice,
          );
      return order.reference;
    },
  );
  // The run goes by the read model: wait until D1 lists them all on payment@1.
  await until(
    "D1 lists the orders on payment@1",
    async () => {
      const usage = await client.query("processes.usage", {}, tokens.backoffice);
      return (usage.find((u) => u.process === "payment@1")?.running ?? 0) >= placed.length;
    },
    { timeoutMs: 300_000, intervalMs: 200 },
  );
  const dryStarted = performance.now();
  const dry = await client.mutate(
    "processes.migrate",
    { from: "payment@1", to: "payment@2", stateMap: identity, dryRun: true },
    tokens.backoffice,
  );
  const dryMs = performance.now() - dryStarted;
  const runStarted = performance.now();
  const { migrationId } = await client.mutate(
    "processes.migrate",
    { from: "payment@1", to: "payment@2", stateMap: identity, dryRun: false },
    tokens.backoffice,
  );
  const status = await until(
    "the migration finishes",
    async () => {
      const s = await client.query("processes.migration", { migrationId }, tokens.backoffice);
      return s.status === "finished" ? s : null;
    },
    { timeoutMs: 600_000, intervalMs: 100 },
  );
  const runMs = performance.now() - runStarted;
  out(
    table(
      ["<step", "orders", "ms", "orders/s"],
      [
        [
          "dry run (answered at once)",
          dry.report.moved,
          fmt.ms(dryMs),
          Math.round((dry.report.moved / dryMs) * 1000),
        ],
        [
          "run until finished",
          status.moved,
          fmt.ms(runMs),
          Math.round((status.moved / runMs) * 1000),
        ],
      ],
    ),
  );
  if (status.moved < placed.length || status.cannot.length > 0)
    throw new Error(
      `moved ${status.moved} of ${placed.length}: ${JSON.stringify(status.cannot.slice(0, 3))}`,
    );
  ctx.results.migration = { orders: placed.length, dryMs, runMs, moved: status.moved };
}
