import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { TriggerEvent } from "../../src/domain/processes";
import { processNames } from "../../src/domain/processes";
import type { OrderObject } from "../../src/durable/order-object";
import { timersOfState } from "../../src/engine/step";
import { getProcess } from "../../src/machines/registry";
import { clientAs, orderInput } from "../helpers";

/**
 * processes.migrate end to end in workerd: 1,001 orders over every state of payment@1 (some
 * mid-way, with their timers running), a dry run, a real run in the background, and a second
 * run. About two minutes; the bench (`npm run bench`, scenario migration) times the same.
 */
const ORDERS_PER_STATE = 91;
const DAY = 24 * 60 * 60_000;

type Scenario = {
  name: string;
  events: TriggerEvent[];
  closeWindow?: boolean;
  after?: TriggerEvent[];
};
const scenarios: Scenario[] = [
  { name: "payment-pending", events: [] },
  { name: "paid", events: ["pay"] },
  { name: "confirmed", events: ["pay", "confirm"] },
  { name: "exported", events: ["pay", "confirm"], closeWindow: true },
  { name: "shipped", events: ["pay", "confirm"], closeWindow: true, after: ["ship"] },
  { name: "delivered", events: ["pay", "confirm"], closeWindow: true, after: ["ship", "deliver"] },
  {
    name: "returned",
    events: ["pay", "confirm"],
    closeWindow: true,
    after: ["ship", "deliver", "return"],
  },
  {
    name: "refunded",
    events: ["pay", "confirm"],
    closeWindow: true,
    after: ["ship", "deliver", "return", "refund"],
  },
  {
    name: "closed",
    events: ["pay", "confirm"],
    closeWindow: true,
    after: ["ship", "deliver", "close"],
  },
  { name: "cancelled", events: ["cancel"] },
  // Mixed: one line paid, the other still waiting for payment (its timer running).
  { name: "mixed", events: [] },
];
const FINAL = new Set(["refunded", "closed", "cancelled"]);
const EXPORTED = new Set(["exported", "shipped", "delivered", "returned"]);

const identity = Object.fromEntries(processNames["payment@1"].states.map((s) => [s, s]));

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

async function placeIn(scenario: Scenario) {
  const checkout = await clientAs("checkout", "shop");
  const backoffice = await clientAs("backoffice");
  const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "prepayment" }, 2));
  const { reference } = order;
  let version = order.version;
  for (const event of scenario.events)
    version = (await backoffice.orders.trigger.mutate({ reference, event, target: { all: true } }))
      .order.version;
  if (scenario.name === "mixed")
    version = (
      await backoffice.orders.trigger.mutate({
        reference,
        event: "pay",
        target: { items: [{ id: order.items[0]!.id }] },
      })
    ).order.version;
  if (scenario.closeWindow)
    version = (await backoffice.orders.closeCancellationWindow.mutate({ reference })).version;
  for (const event of scenario.after ?? [])
    version = (await backoffice.orders.trigger.mutate({ reference, event, target: { all: true } }))
      .order.version;
  return { reference, scenario: scenario.name, version };
}

/** Waits until D1 has every order at its version on `process`. */
async function converged(
  orders: { reference: string; version: number }[],
  process: (ref: string) => string,
) {
  await vi.waitFor(
    async () => {
      const { results } = await env.DB.prepare(
        "SELECT reference, version, process FROM orders WHERE reference IN (SELECT value FROM json_each(?1))",
      )
        .bind(JSON.stringify(orders.map((o) => o.reference)))
        .all<{ reference: string; version: number; process: string }>();
      const seen = new Map(results.map((r) => [r.reference, r]));
      for (const o of orders)
        expect(seen.get(o.reference), o.reference).toEqual({
          reference: o.reference,
          version: o.version,
          process: process(o.reference),
        });
    },
    { timeout: 300_000, interval: 250 },
  );
}

const timersOf = (reference: string) =>
  runInDurableObject(env.ORDERS.getByName(reference), (_o: OrderObject, state) =>
    state.storage.sql
      .exec<{ id: string; item_id: string | null; event: string; due_at: number }>(
        "SELECT id, item_id, event, due_at FROM timers ORDER BY id",
      )
      .toArray(),
  );

describe("processes.migrate (payment@1 -> payment@2)", () => {
  it("dry run, then moves every running order mid-flight: timers derived anew, histories gap-free, D1 converged; a second run changes nothing", async () => {
    const backoffice = await clientAs("backoffice");
    const plan = scenarios.flatMap((s) => Array.from({ length: ORDERS_PER_STATE }, () => s));
    const orders = await inBatches(plan, 10, placeIn);
    await converged(orders, () => "payment@1");

    // Dry run without `returned` in the map: those orders cannot move, nothing changes.
    const { returned: _, ...withoutReturned } = identity;
    const dry = await backoffice.processes.migrate.mutate({
      from: "payment@1",
      to: "payment@2",
      stateMap: withoutReturned,
      dryRun: true,
    });
    if (!("report" in dry)) throw new Error("a dry run answers its report");
    const ours = new Set(orders.map((o) => o.reference));
    const cannot = dry.report.cannot.filter((c) => ours.has(c.reference));
    expect(cannot).toHaveLength(ORDERS_PER_STATE);
    expect(cannot.every((c) => c.reason === "unmapped-state" && c.states[0] === "returned")).toBe(
      true,
    );
    const pending = dry.report.moves.find((m) => m.from === "payment-pending");
    // Both items of the payment-pending orders, and one of each mixed order (at least: other
    // tests' orders may be on payment@1 too).
    expect(pending?.items).toBeGreaterThanOrEqual(ORDERS_PER_STATE * 3);
    await converged(orders, () => "payment@1");
    // A read-model row from before the process column: the run visits it, its object answers.
    const unknown = orders.find((o) => o.scenario === "paid")!;
    await env.DB.prepare("UPDATE orders SET process = NULL WHERE reference = ?1")
      .bind(unknown.reference)
      .run();

    const started = await backoffice.processes.migrate.mutate({
      from: "payment@1",
      to: "payment@2",
      stateMap: identity,
      dryRun: false,
      migrationId: "to-payment-2",
    });
    expect(started).toEqual({ migrationId: "to-payment-2" });
    const status = await vi.waitFor(
      async () => {
        const s = await backoffice.processes.migration.query({ migrationId: "to-payment-2" });
        expect(s.status).toBe("finished");
        return s;
      },
      { timeout: 600_000, interval: 500 },
    );
    expect(status.left).toBe(0);
    expect(status.cannot.filter((c) => ours.has(c.reference))).toEqual([]);

    const running = orders.filter((o) => !FINAL.has(o.scenario));
    const after = new Map<string, number>();
    const v2 = getProcess("payment@2")!;
    await inBatches(orders, 10, async (o) => {
      const order = await backoffice.orders.get.query({ reference: o.reference });
      const history = (await backoffice.orders.history.query({ reference: o.reference })).flatMap(
        (h) => ("seq" in h ? [h] : []),
      );
      // Gap-free, and the migration is one entry on top of what was there.
      expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
      expect(history.at(-1)?.seq).toBe(order.version);
      after.set(o.reference, order.version);
      if (FINAL.has(o.scenario)) {
        expect(order.process).toBe("payment@1");
        expect(order.version).toBe(o.version);
        return;
      }
      expect(order.process).toBe("payment@2");
      expect(order.version).toBe(o.version + 1);
      expect(history.at(-1)).toMatchObject({
        type: "process-migrated",
        data: { migrationId: "to-payment-2", from: "payment@1", to: "payment@2" },
      });
      // Every item waits for what payment@2 says its state waits for, due when its wait ends.
      const expected = order.items
        .flatMap((item) =>
          timersOfState(v2, item.state).map((t) => ({
            id: `${item.id}|${t.id}`,
            item_id: item.id,
            event: t.event,
            due_at: Date.parse(item.stateSince) + t.delayMs,
          })),
        )
        .sort((a, b) => a.id.localeCompare(b.id));
      const timers = await timersOf(o.reference);
      expect(timers.filter((t) => t.item_id !== null)).toEqual(expected);
      if (o.scenario === "payment-pending" || o.scenario === "mixed")
        expect(expected.length).toBeGreaterThan(0);
    });
    expect(status.moved).toBeGreaterThanOrEqual(running.length);

    await converged(
      orders.map((o) => ({ reference: o.reference, version: after.get(o.reference)! })),
      (ref) =>
        FINAL.has(orders.find((o) => o.reference === ref)!.scenario) ? "payment@1" : "payment@2",
    );
    // The ERP, which has the exported orders, hears of the move (payment@2 asks for it).
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare(
          `SELECT COUNT(*) AS n FROM erp_deliveries WHERE type = 'order.process-migrated'
             AND order_reference IN (SELECT value FROM json_each(?1))`,
        )
          .bind(JSON.stringify(orders.map((o) => o.reference)))
          .first<{ n: number }>();
        expect(row?.n).toBe(orders.filter((o) => EXPORTED.has(o.scenario)).length);
      },
      { timeout: 120_000, interval: 250 },
    );

    // A second run finds nothing left on payment@1 to move.
    await backoffice.processes.migrate.mutate({
      from: "payment@1",
      to: "payment@2",
      stateMap: identity,
      dryRun: false,
      migrationId: "to-payment-2-again",
    });
    const again = await vi.waitFor(
      async () => {
        const s = await backoffice.processes.migration.query({ migrationId: "to-payment-2-again" });
        expect(s.status).toBe("finished");
        return s;
      },
      { timeout: 120_000, interval: 250 },
    );
    expect(again.moved).toBe(0);
    await inBatches(orders, 10, async (o) => {
      const order = await backoffice.orders.get.query({ reference: o.reference });
      expect(order.version).toBe(after.get(o.reference));
    });

    // A deadline carried over fires once, on the new version.
    const waiting = orders.find((o) => o.scenario === "payment-pending")!;
    const before = await backoffice.orders.get.query({ reference: waiting.reference });
    await runInDurableObject(env.ORDERS.getByName(waiting.reference), (o: OrderObject) => {
      o.seam.clock = () => Date.parse(before.placedAt) + DAY + 1;
    });
    const timedOut = await backoffice.orders.get.query({ reference: waiting.reference });
    expect(timedOut.items.map((i) => i.state)).toEqual(["invalid", "invalid"]);
    const history = await backoffice.orders.history.query({ reference: waiting.reference });
    // (The cancellation window's timer, due earlier, fired first: a timer entry of its own.)
    const timeouts = history.filter(
      (h) => h.type === "timer" && h.event?.includes("paymentTimeout"),
    );
    expect(timeouts.map((h) => [h.event, h.to])).toEqual([
      ["xstate.after.paymentTimeout.payment@2.payment-pending", "invalid"],
    ]);
    expect(await timersOf(waiting.reference)).toEqual([]);
  }, 1_200_000);

  it("refuses a state map naming states the processes do not have, naming the field", async () => {
    const backoffice = await clientAs("backoffice");
    await expect(
      backoffice.processes.migrate.mutate({
        from: "payment@1",
        to: "payment@2",
        stateMap: { paid: "settled" },
        dryRun: true,
      }),
    ).rejects.toThrow(/stateMap\.paid.*payment@2 has no state "settled"/s);
  });
});
