/**
 * The adjustable clock (this project runs with CLOCK=adjustable): one clock for the deployment,
 * moved by `clock.advance`, which returns once every order's timers due by then have fired, each
 * at its due time, and the orders are projected to D1. Nothing here waits for time to pass.
 */
import { describe, expect, it } from "vitest";
import type { HistoryView, OrderView } from "../../src/client";
import { call, clientAs, entriesOf, orderInput, tokenFor, triggerAll } from "../helpers";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function place(paymentMethod: "prepayment" | "none", customer = "clock-customer") {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(
    orderInput(
      {
        paymentMethod,
        customer: {
          reference: customer,
          email: `${customer}@example.com`,
          firstName: "C",
          lastName: "C",
        },
      },
      1,
    ),
  );
}

/** An order whose items wait for the window in `confirmed`. */
async function confirmedOrder(customer?: string) {
  const order = await place("prepayment", customer);
  await triggerAll(order.reference, ["pay", "confirm"]);
  return order;
}

async function advance(by: string) {
  const backoffice = await clientAs("backoffice", "clock");
  return Date.parse((await backoffice.clock.advance.mutate({ by })).now);
}

async function now() {
  const backoffice = await clientAs("backoffice", "clock");
  return Date.parse((await backoffice.clock.now.query()).now);
}

async function get(reference: string): Promise<OrderView> {
  return (await clientAs("backoffice", "clock")).orders.get.query({ reference });
}

async function history(reference: string): Promise<HistoryView[]> {
  return entriesOf(
    await (await clientAs("backoffice", "clock")).orders.history.query({ reference }),
  );
}

/** The D1 rows of some orders, read right after an advance: no waiting, it must be there. */
async function listed(references: string[]) {
  const backoffice = await clientAs("backoffice", "clock");
  const { orders } = await backoffice.orders.list.query({ limit: 100 });
  return new Map(
    orders.filter((o) => references.includes(o.reference)).map((o) => [o.reference, o]),
  );
}

describe("the adjustable clock", () => {
  it("reads the same time for every role, and it runs forward", async () => {
    const first = await now();
    expect(Math.abs(first - Date.now())).toBeLessThan(DAY);
    for (const role of ["customer", "checkout", "support"] as const) {
      const client = await clientAs(role, `reader-${role}`);
      expect(Date.parse((await client.clock.now.query()).now)).toBeGreaterThanOrEqual(first);
      // clock.read: the same time, and which clock it is (the back office counts from it).
      const read = await client.clock.read.query();
      expect(read.mode).toBe("adjustable");
      expect(Date.parse(read.now)).toBeGreaterThanOrEqual(first);
    }
  });

  it("advancing 31 minutes closes the window and exports confirmed orders", async () => {
    const confirmed = await confirmedOrder("window-customer");
    const unpaid = await place("prepayment", "window-customer");
    const noPayment = await place("none", "window-customer");

    await advance("31 minutes");

    // Read at once: advance returned after the timers fired and the projections were written.
    const rows = await listed([confirmed.reference, unpaid.reference, noPayment.reference]);
    expect(rows.get(confirmed.reference)).toMatchObject({
      state: "exported",
      isCancellable: false,
    });
    expect(rows.get(noPayment.reference)).toMatchObject({
      state: "exported",
      isCancellable: false,
    });
    expect(rows.get(unpaid.reference)).toMatchObject({
      state: "payment-pending",
      isCancellable: false,
    });

    for (const order of [confirmed, noPayment]) {
      const view = await get(order.reference);
      expect(view.itemStates).toEqual({ exported: 2 });
      expect(view.cancellationWindowClosedAt).toBe(order.cancellableUntil);
      const entries = await history(order.reference);
      expect(entries.find((h) => h.type === "cancellation-window-closed")).toMatchObject({
        actor: "timer",
        at: order.cancellableUntil,
      });
      expect(entries.find((h) => h.event === "notifyErp")?.at).toBe(order.cancellableUntil);
    }

    // The customer hears that the window closed, at the time it closed.
    const res = await call(
      "orders.cancel",
      { reference: unpaid.reference },
      { token: await tokenFor("customer", "window-customer") },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.message).toContain(`window closed at ${unpaid.cancellableUntil}`);
  });

  it("advancing 1 day invalidates unpaid orders, at their payment deadline", async () => {
    const unpaid = await place("prepayment", "timeout-customer");
    const paid = await place("prepayment", "timeout-customer");
    await triggerAll(paid.reference, ["pay"]);

    await advance("1 day");

    // D1 first, before any read of the orders could fire their timers itself.
    const rows = await listed([unpaid.reference, paid.reference]);
    expect(rows.get(unpaid.reference)?.state).toBe("invalid");
    expect(rows.get(paid.reference)?.state).toBe("paid");
    const deadline = new Date(Date.parse(unpaid.placedAt) + DAY).toISOString();
    expect((await get(unpaid.reference)).itemStates).toEqual({ invalid: 2 });
    expect((await history(unpaid.reference)).find((h) => h.to === "invalid")).toMatchObject({
      actor: "timer",
      at: deadline,
    });
    expect((await get(paid.reference)).itemStates).toEqual({ paid: 2 });
  });

  it("wakes each order at its own due time, across orders in due order", async () => {
    // Windows closing 10 minutes apart: order k is placed 10 k minutes after the first.
    const orders: OrderView[] = [];
    for (let k = 0; k < 3; k++) {
      orders.push(await place("none", "due-order-customer"));
      if (k < 2) await advance("10 minutes");
    }
    const end = await advance("1 hour");
    const rows = await listed(orders.map((o) => o.reference));
    for (const order of orders) {
      // D1's updatedAt is the clock's time when the order was projected: its own deadline (plus
      // the real milliseconds the firing took), not the end of the advance.
      const updatedAt = Date.parse(rows.get(order.reference)?.updatedAt ?? "");
      const due = Date.parse(order.cancellableUntil);
      expect(updatedAt).toBeGreaterThanOrEqual(due);
      expect(updatedAt - due).toBeLessThan(MINUTE);
      expect(end - updatedAt).toBeGreaterThan(20 * MINUTE);
    }
  });

  it("one advance of 2 hours and eight of 15 minutes give the same histories", async () => {
    /**
     * Orders whose timers come due at different moments of the next 2 hours: windows (30
     * minutes after placement, confirmed items exported then), and a payment timeout from an
     * order placed a day earlier.
     */
    async function scenario(tag: string) {
      const early = await place("prepayment", `${tag}-early`);
      await advance("23 hours 10 minutes");
      const confirmed = await confirmedOrder(`${tag}-confirmed`);
      const noPayment = await place("none", `${tag}-no-payment`);
      await advance("20 minutes");
      const paid = await place("prepayment", `${tag}-paid`);
      await triggerAll(paid.reference, ["pay"]);
      return [early, confirmed, noPayment, paid];
    }
    /**
     * Each entry relative to its order's placement. Commands the test sends (pay, confirm) are
     * stamped with the running clock's time, which varies by milliseconds between runs; every
     * timer and what it caused is stamped with its due time, exactly.
     */
    async function relativeHistories(orders: OrderView[]) {
      return Promise.all(
        orders.map(async (order) =>
          (await history(order.reference)).map((h) => ({
            ...h,
            at: h.actor.startsWith("backoffice:")
              ? "command"
              : Date.parse(h.at) - Date.parse(order.placedAt),
            data: h.data?.dueAt
              ? { ...h.data, dueAt: "due" }
              : h.data?.cancellableUntil
                ? { ...h.data, cancellableUntil: "until" }
                : h.data,
          })),
        ),
      );
    }

    const once = await scenario("once");
    await advance("2 hours");
    const inOneStep = await relativeHistories(once);

    const stepwise = await scenario("steps");
    for (let i = 0; i < 8; i++) await advance("15 minutes");
    const inEightSteps = await relativeHistories(stepwise);

    expect(inEightSteps).toEqual(inOneStep);
    // The timers did fire: the early order is invalid, the others were exported or closed.
    expect(inOneStep[0]?.some((h) => h.to === "invalid" && h.at === DAY)).toBe(true);
    expect(inOneStep[1]?.some((h) => h.event === "notifyErp" && h.at === 30 * MINUTE)).toBe(true);
    expect(inOneStep[3]?.some((h) => h.type === "cancellation-window-closed")).toBe(true);
  });

  it("dates invoices, their mails and the order's history by the adjustable clock", async () => {
    const order = await confirmedOrder("invoice-customer");
    const advanced = await advance("3 days");
    const backoffice = await clientAs("backoffice", "clock");
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "invoice-generate",
      target: { all: true },
    });
    await expect
      .poll(async () => (await get(order.reference)).invoice, { timeout: 10_000, interval: 50 })
      .not.toBeNull();
    const { invoice } = await get(order.reference);
    const issuedAt = Date.parse(invoice?.issuedAt ?? "");
    // Three days ahead of the machine's time, like everything else the service records now.
    expect(issuedAt).toBeGreaterThanOrEqual(advanced);
    expect(issuedAt - advanced).toBeLessThan(MINUTE);
    const stored = await backoffice.invoices.get.query({ reference: invoice?.reference ?? "" });
    expect(Date.parse(stored.mailedAt ?? "")).toBeGreaterThanOrEqual(issuedAt);
    const issued = (await history(order.reference)).find((h) => h.type === "invoice-issued");
    expect(Date.parse(issued?.at ?? "")).toBeGreaterThanOrEqual(issuedAt);
    expect(Date.parse(issued?.at ?? "") - Date.now()).toBeGreaterThan(2 * DAY);
  });

  it("counts time in state by the adjustable clock: items and the order matrix", async () => {
    const order = await place("prepayment", "matrix-customer");
    await triggerAll(order.reference, ["pay"]);
    const backoffice = await clientAs("backoffice", "clock");
    const paidRow = async () =>
      (await backoffice.orders.matrix.query({})).find(
        (row) => row.process === "payment@1" && row.state === "paid",
      );
    // The matrix reads D1, a few milliseconds behind the command.
    await expect
      .poll(async () => (await paidRow())?.lessThanDay, { timeout: 5_000, interval: 20 })
      .toBeGreaterThanOrEqual(2);
    const paidAt = (await get(order.reference)).items[0]?.stateSince ?? "";
    expect(Date.parse(paidAt)).toBeGreaterThanOrEqual(Date.parse(order.placedAt));

    await advance("2 days");
    // Every paid unit of this file was paid before this advance: none is under a day in its state.
    expect(await paidRow()).toMatchObject({ lessThanDay: 0 });
    expect((await paidRow())?.lessThanWeek).toBeGreaterThanOrEqual(2);
    expect((await get(order.reference)).items[0]?.stateSince).toBe(paidAt);
  });

  it("never goes backwards", async () => {
    const before = await now();
    const backoffice = await clientAs("backoffice", "clock");
    const past = new Date(before - MINUTE).toISOString();
    const res = await call(
      "clock.advance",
      { to: past },
      { token: await tokenFor("backoffice", "clock") },
    );
    expect(res.status).toBe(412);
    expect(res.body.error?.data.code).toBe("PRECONDITION_FAILED");
    expect(res.body.error?.message).toContain("never goes backwards");
    expect(await now()).toBeGreaterThanOrEqual(before);

    const target = new Date(before + 3 * DAY).toISOString();
    const moved = await backoffice.clock.advance.mutate({ to: target });
    expect(Date.parse(moved.now)).toBeGreaterThanOrEqual(Date.parse(target));
    const readings = [];
    for (let i = 0; i < 5; i++) readings.push(await now());
    expect(readings).toEqual([...readings].sort((a, b) => a - b));
    expect(readings[0]).toBeGreaterThanOrEqual(Date.parse(target));
    // Zero is no move, and fine.
    expect(
      Date.parse((await backoffice.clock.advance.mutate({ by: "0 ms" })).now),
    ).toBeGreaterThanOrEqual(Date.parse(target));
  });

  it("refuses a bad advance naming the field, and only the back office may move it", async () => {
    const token = await tokenFor("backoffice", "clock");
    const bad = await call("clock.advance", { by: "31 parsecs" }, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("by");
    const both = await call(
      "clock.advance",
      { by: "1 hour", to: new Date().toISOString() },
      { token },
    );
    expect(both.status).toBe(400);
    const neither = await call("clock.advance", {}, { token });
    expect(neither.status).toBe(400);
    const customer = await call(
      "clock.advance",
      { by: "1 hour" },
      { token: await tokenFor("customer", "clock-customer") },
    );
    expect(customer.status).toBe(403);
    const support = await call(
      "clock.advance",
      { by: "1 hour" },
      { token: await tokenFor("support", "clock-support") },
    );
    expect(support.status).toBe(403);
  });
});
