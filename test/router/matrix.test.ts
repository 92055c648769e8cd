import { describe, expect, it } from "vitest";
import { call, clientAs, orderInput, placeAt, setClockOf, tokenFor } from "../helpers";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

const oneLine = (quantity: number, paymentMethod: string) =>
  orderInput({
    paymentMethod,
    lines: [
      {
        sku: "MATRIX-1",
        name: "Matrix",
        quantity,
        unitPrice: 100,
        taxRate: 19,
        isQuantitySplittable: true,
        shipment: "home",
      },
    ],
  });

/** Gives an order object the real clock back and lets it fire what fell due meanwhile. */
async function backToNow(reference: string) {
  await setClockOf(reference, null);
  const backoffice = await clientAs("backoffice");
  return backoffice.orders.get.query({ reference });
}

describe("orders.matrix", () => {
  it("shows per process and state how many units wait there, by time in state", async () => {
    const now = Date.now();
    const backoffice = await clientAs("backoffice");
    // no-payment@1, placed 10 days ago: the window closed 30 minutes later and exported them.
    const a = await placeAt(now - 10 * DAY, oneLine(3, "none"));
    // no-payment@1, placed 3 days ago: exported 3 days ago too.
    const b = await placeAt(now - 3 * DAY, oneLine(2, "none"));
    // payment@1, placed 2 days ago and never paid: invalid after a day, a final state.
    const d = await placeAt(now - 2 * DAY, oneLine(5, "prepayment"));
    // payment@1, placed 8 days ago and paid an hour later.
    const e = await placeAt(now - 8 * DAY, oneLine(1, "prepayment"));
    await setClockOf(e.reference, now - 8 * DAY + HOUR);
    await backoffice.orders.trigger.mutate({
      reference: e.reference,
      event: "pay",
      target: { all: true },
    });
    for (const o of [a, b, d, e]) await backToNow(o.reference);
    // payment@1, placed now: payment pending for less than a day.
    const c = await placeAt(now, oneLine(4, "prepayment"));
    await setClockOf(c.reference, null);

    const exported = await backoffice.orders.get.query({ reference: a.reference });
    expect(exported.items[0]).toMatchObject({
      state: "exported",
      stateSince: new Date(now - 10 * DAY + 30 * 60_000).toISOString(),
    });

    const expected = [
      {
        process: "payment@1",
        state: "payment-pending",
        display: "payment pending",
        lessThanDay: 4,
        lessThanWeek: 0,
        older: 0,
      },
      {
        process: "payment@1",
        state: "paid",
        display: "paid",
        lessThanDay: 0,
        lessThanWeek: 0,
        older: 1,
      },
      {
        process: "no-payment@1",
        state: "exported",
        display: "exported",
        lessThanDay: 0,
        lessThanWeek: 2,
        older: 3,
      },
    ];
    await expect
      .poll(async () => {
        const rows = await backoffice.orders.matrix.query({});
        return rows.filter((r) => r.lessThanDay + r.lessThanWeek + r.older > 0);
      })
      .toEqual(expected);

    const rows = await backoffice.orders.matrix.query({});
    // Every state where items can wait is listed, in the process's order; final states are not.
    expect(rows.filter((r) => r.process === "payment@1").map((r) => r.state)).toEqual([
      "new",
      "payment-pending",
      "paid",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "returned",
    ]);
    expect(rows.map((r) => r.state)).not.toContain("invalid");
    expect(rows.map((r) => r.state)).not.toContain("closed");

    // Each cell as a list (`orders.list` with `waiting`): the orders behind its units.
    const iso = (ms: number) => new Date(ms).toISOString();
    const ages = {
      lessThanDay: { after: iso(now - DAY) },
      lessThanWeek: { after: iso(now - 7 * DAY), until: iso(now - DAY) },
      older: { until: iso(now - 7 * DAY) },
    };
    const cell = async (process: string, state: string, age: keyof typeof ages) =>
      (
        await backoffice.orders.list.query({ waiting: { process, state, ...ages[age] } })
      ).orders.map((o) => o.reference);
    expect(await cell("no-payment@1", "exported", "older")).toEqual([a.reference]);
    expect(await cell("no-payment@1", "exported", "lessThanWeek")).toEqual([b.reference]);
    expect(await cell("no-payment@1", "exported", "lessThanDay")).toEqual([]);
    expect(await cell("payment@1", "exported", "older")).toEqual([]);
    expect(await cell("payment@1", "paid", "older")).toEqual([e.reference]);
    expect(await cell("payment@1", "payment-pending", "lessThanDay")).toEqual([c.reference]);
    // The order never paid waited there for a day, then went invalid (final): it waits nowhere.
    expect(await cell("payment@1", "payment-pending", "lessThanWeek")).not.toContain(d.reference);
    expect(await cell("payment@1", "invalid", "lessThanWeek")).toEqual([]);
  });

  it("is for staff only", async () => {
    const customer = await tokenFor("customer", "c");
    const checkout = await tokenFor("checkout", "shop");
    for (const token of [customer, checkout])
      expect((await call("orders.matrix", {}, { token, method: "GET" })).status).toBe(403);
  });
});
