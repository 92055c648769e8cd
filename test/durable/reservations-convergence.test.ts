import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderView } from "../../src/domain/order-view";
import type { Actor } from "../../src/domain/principal";
import type { OrderObject } from "../../src/durable/order-object";
import { paymentManualEvents } from "../../src/machines/payment-process";
import {
  clientAs,
  effectsOf,
  flakyD1,
  ORDER_RESERVED_ROWS,
  ORDER_WAITING_ROWS,
  orderInput,
} from "../helpers";
import { seeded } from "../seed";

const backoffice: Actor = { type: "user", role: "backoffice", sub: "convergence" };
const customer: Actor = { type: "user", role: "customer", sub: "customer-1" };

const orderArb = fc.record({
  paymentMethod: fc.constantFrom("prepayment", "none"),
  // SKUs from a small pool, so orders share them and one order may hold a SKU on two lines.
  lines: fc.array(fc.record({ sku: fc.nat(2), quantity: fc.integer({ min: 1, max: 5 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
});

const commandArb = fc.record({
  order: fc.nat(),
  kind: fc.constantFrom("event", "event", "event", "cancel", "customer-cancel", "close-window"),
  event: fc.constantFrom(...paymentManualEvents),
  part: fc.option(fc.record({ pick: fc.nat(), quantity: fc.nat() }), { nil: undefined }),
});

let run = 0;

/** What the orders' own views say: reserved units per SKU and waiting units per order. */
function expectedFrom(views: OrderView[]) {
  const reserved = new Map<string, number>();
  const waiting = new Map<string, [string, string, number][]>();
  for (const view of views) {
    const groups = new Map<string, [string, string, number]>();
    for (const item of view.items) {
      if (item.flags.includes("reserved"))
        reserved.set(item.sku, (reserved.get(item.sku) ?? 0) + item.quantity);
      if (item.flags.includes("final")) continue;
      const key = `${item.state}|${item.stateSince}`;
      const group = groups.get(key) ?? [item.state, item.stateSince, 0];
      group[2] += item.quantity;
      groups.set(key, group);
    }
    waiting.set(view.reference, [...groups.values()].sort());
  }
  return { reserved, waiting };
}

describe("reserved units and waiting items in D1 converge to the orders' views", () => {
  it("after random orders, events and cancellations, concurrent, with a D1 outage in between", async () => {
    const bo = await clientAs("backoffice", "convergence");
    const checkout = await clientAs("checkout", "shop");
    await fc.assert(
      fc.asyncProperty(
        fc.array(orderArb, { minLength: 2, maxLength: 5 }),
        fc.array(commandArb, { minLength: 3, maxLength: 16 }),
        fc.nat(),
        fc.nat(),
        async (orderSpecs, commands, outageStart, outageLength) => {
          run += 1;
          const skus = [0, 1, 2].map((i) => `CONV-${run}-${i}`);
          const placed = await Promise.all(
            orderSpecs.map((spec) =>
              checkout.orders.place.mutate(
                orderInput({
                  paymentMethod: spec.paymentMethod,
                  lines: spec.lines.map((l, i) => ({
                    sku: skus[l.sku]!,
                    name: `line ${i}`,
                    quantity: l.quantity,
                    unitPrice: 100,
                    taxRate: 19,
                    isQuantitySplittable: true,
                    shipment: "home",
                  })),
                }),
              ),
            ),
          );
          const stubs = placed.map((o) => env.ORDERS.getByName(o.reference));
          const d1 = flakyD1(env.DB);
          d1.state.down = false;
          for (const stub of stubs)
            await runInDurableObject(stub, (o: OrderObject) => {
              o.seam.db = d1.db;
            });

          // Commands go out three at a time, so different orders change concurrently. D1 is
          // down for a run of these batches (at least one), and stays down until every order
          // changed meanwhile has seen its projection fail.
          const batches: (typeof commands)[] = [];
          for (let i = 0; i < commands.length; i += 3) batches.push(commands.slice(i, i + 3));
          const from = outageStart % batches.length;
          const to = from + 1 + (outageLength % (batches.length - from));
          const changedDuringOutage = new Set<number>();
          for (const [b, batch] of batches.entries()) {
            const outage = b >= from && b < to;
            d1.state.down = outage;
            await Promise.all(
              batch.map(async (c) => {
                const n = c.order % stubs.length;
                const stub = stubs[n]!;
                const view = await stub.get(backoffice);
                if (!view.ok) throw new Error(view.message);
                const item = c.part
                  ? view.order.items[c.part.pick % view.order.items.length]
                  : undefined;
                const result =
                  c.kind === "cancel"
                    ? await stub.cancel({}, backoffice)
                    : c.kind === "customer-cancel"
                      ? await stub.cancel({}, customer)
                      : c.kind === "close-window"
                        ? await stub.closeCancellationWindow({}, backoffice)
                        : await stub.trigger(
                            {
                              event: c.event,
                              dryRun: false,
                              target: item
                                ? {
                                    items: [
                                      {
                                        id: item.id,
                                        quantity: 1 + ((c.part?.quantity ?? 0) % item.quantity),
                                      },
                                    ],
                                  }
                                : { all: true },
                            },
                            backoffice,
                          );
                if (!result.ok)
                  expect(["BAD_REQUEST", "PRECONDITION_FAILED", "NOT_FOUND"]).toContain(
                    result.code,
                  );
                else if (outage) changedDuringOutage.add(n);
              }),
            );
            if (b === to - 1)
              for (const n of changedDuringOutage)
                await expect
                  .poll(async () => {
                    const effects = await effectsOf(stubs[n]!);
                    return effects.find((e) => e.kind === "projection")?.lastError ?? "";
                  })
                  .toContain("D1 is unavailable");
          }

          // D1 is back; each object's alarm retries what failed (its clock moved past the backoff).
          d1.state.down = false;
          for (const stub of stubs) {
            await runInDurableObject(stub, (o: OrderObject) => {
              o.seam.clock = () => Date.now() + 15 * 60_000;
            });
            await runDurableObjectAlarm(stub);
            await runInDurableObject(stub, (o: OrderObject) => {
              o.seam.clock = Date.now;
              o.seam.db = env.DB;
            });
          }

          const views = await Promise.all(
            placed.map((o) => bo.orders.get.query({ reference: o.reference })),
          );
          const expected = expectedFrom(views);
          await expect
            .poll(async () => {
              const { results } = await env.DB.prepare(
                `SELECT reference, version FROM orders WHERE reference IN (SELECT value FROM json_each(?))`,
              )
                .bind(JSON.stringify(views.map((v) => v.reference)))
                .all<{ reference: string; version: number }>();
              return Object.fromEntries(results.map((r) => [r.reference, r.version]));
            })
            .toEqual(Object.fromEntries(views.map((v) => [v.reference, v.version])));

          // The storefront's figure equals the sum over the orders' views, SKU by SKU.
          const figures = await bo.reservations.get.query({ skus });
          expect(figures).toEqual(
            skus.map((sku) => ({ sku, reserved: expected.reserved.get(sku) ?? 0 })),
          );
          // And so do the orders' own rows in D1, and each order's waiting groups.
          const { results: rows } = await env.DB.prepare(
            `SELECT sku, SUM(quantity) AS n FROM ${ORDER_RESERVED_ROWS}
             WHERE sku IN (SELECT value FROM json_each(?)) GROUP BY sku`,
          )
            .bind(JSON.stringify(skus))
            .all<{ sku: string; n: number }>();
          expect(Object.fromEntries(rows.map((r) => [r.sku, r.n]))).toEqual(
            Object.fromEntries([...expected.reserved].filter(([, n]) => n > 0)),
          );
          for (const view of views) {
            const { results: groups } = await env.DB.prepare(
              `SELECT state, since, quantity FROM ${ORDER_WAITING_ROWS} WHERE order_reference = ?`,
            )
              .bind(view.reference)
              .all<{ state: string; since: number; quantity: number }>();
            expect(
              groups.map((g) => [g.state, new Date(g.since).toISOString(), g.quantity]).sort(),
            ).toEqual(expected.waiting.get(view.reference));
          }
          // The order matrix's counts are the sum of every order's waiting groups, moment by
          // moment, with no row left at 0.
          const { results: counts } = await env.DB.prepare(
            "SELECT process, state, since, units FROM waiting_counts ORDER BY 1, 2, 3",
          ).all();
          const { results: sums } = await env.DB.prepare(
            `SELECT w.process, json_extract(g.value, '$[0]') AS state,
               json_extract(g.value, '$[1]') AS since, SUM(json_extract(g.value, '$[2]')) AS units
             FROM order_waiting_groups w, json_each(w.groups) g GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
          ).all();
          expect(counts).toEqual(sums);
        },
      ),
      { numRuns: 6, ...seeded("reservations converge after an outage") },
    );
  });
});
