import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { replay } from "../../src/testing";
import { clientAs, orderInput } from "../helpers";

const DAY = 24 * 60 * 60_000;

/** A recorded order: placed, then taken through `events` (all items), as the back office. */
async function recorded(events: string[], timeout = false, laterBy = 0) {
  const checkout = await clientAs("checkout", "shop");
  const backoffice = await clientAs("backoffice");
  const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "prepayment" }, 2));
  if (laterBy > 0)
    await runInDurableObject(env.ORDERS.getByName(order.reference), (o: OrderObject) => {
      o.seam.clock = () => Date.parse(order.placedAt) + laterBy;
    });
  for (const event of events)
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: event as "pay",
      target: { all: true },
    });
  if (timeout)
    await runInDurableObject(env.ORDERS.getByName(order.reference), (o: OrderObject) => {
      o.seam.clock = () => Date.parse(order.placedAt) + DAY;
    });
  return backoffice.orders.history.query({ reference: order.reference });
}

describe("replay (edge-oms/testing)", () => {
  it("payment@2 takes every recorded payment@1 path as it was; another process refuses where it differs", async () => {
    const paths: [string[], boolean][] = [
      [[], true],
      [["pay", "confirm"], false],
      [["pay", "confirm", "cancel"], false],
      [["cancel"], false],
    ];
    const histories = await Promise.all(
      paths.map(([events, timeout]) => recorded(events, timeout)),
    );
    for (const history of histories) {
      const report = replay({ history, process: "payment@2" });
      expect(report.divergences).toEqual([]);
      expect(report.steps).toBeGreaterThan(0);
    }
    // The timed-out order: its items ended invalid on payment@1 and do on payment@2.
    expect(Object.values(replay({ history: histories[0]!, process: "payment@2" }).items)).toEqual([
      "invalid",
      "invalid",
    ]);

    // no-payment@1 knows no payment: the recorded `pay` is refused, item by item.
    const other = replay({ history: histories[1]!, process: "no-payment@1" });
    expect(other.divergences.filter((d) => d.kind === "refused" && d.event === "pay")).toHaveLength(
      2,
    );
  });

  it("reports a timer the new delays would fire at another moment", async () => {
    const history = await recorded([], true);
    const report = replay({ history, process: "payment@2", delays: { paymentTimeout: "2 days" } });
    expect(report.divergences).toEqual([
      expect.objectContaining({
        kind: "timer",
        event: "xstate.after.paymentTimeout.payment@2.payment-pending",
        replayed: expect.stringMatching(/would fire at/),
      }),
      expect.objectContaining({ kind: "timer" }),
    ]);
    // Paid two hours after placement: a one-hour payment timeout would have fired first.
    const late = await recorded(["pay"], false, 2 * 60 * 60_000);
    expect(replay({ history: late, process: "payment@2" }).divergences).toEqual([]);
    const early = replay({
      history: late,
      process: "payment@2",
      delays: { paymentTimeout: "1 hour" },
    });
    expect(early.divergences.map((d) => [d.kind, d.event, d.replayed])).toEqual(
      [0, 1].map(() => [
        "timer",
        "xstate.after.paymentTimeout.payment@2.payment-pending",
        `xstate.after.paymentTimeout.payment@2.payment-pending would have fired at ${new Date(Date.parse(late[0]!.at) + 60 * 60_000).toISOString()}`,
      ]),
    );
  });

  it("names the registered processes when asked for another", () => {
    expect(() => replay({ history: [], process: "payment@9" })).toThrow(/registered: payment@1/);
  });
});
