import { describe, expect, it } from "vitest";
import { acceptedEvents, initialStep, stateInfo, step } from "../../src/engine/step";
import { at, payment, run, timerEvent } from "./helpers";

const PAYMENT_TIMEOUT = "xstate.after.paymentTimeout.payment@1.payment-pending";
const CLOSE_AFTER_DELIVERY = "xstate.after.closeAfterDelivery.payment@1.delivered";

describe("payment@1", () => {
  it("a new item sends the order confirmation and waits for payment with a 1 day timeout", () => {
    const first = initialStep(payment());
    expect(first.snapshot).toEqual({ state: "payment-pending", context: { windowClosed: false } });
    expect(first.path).toEqual(["new", "payment-pending"]);
    expect(first.commands).toEqual(["sendOrderConfirmation"]);
    expect(first.timers).toEqual({
      schedule: [{ id: PAYMENT_TIMEOUT, event: PAYMENT_TIMEOUT, delayMs: 24 * 60 * 60 * 1000 }],
      cancel: [],
    });
  });

  it("happy path: paid, confirmed, exported when the window closes, shipped, delivered, closed", () => {
    const def = payment();
    const steps = run(def, initialStep(def).snapshot, [
      "pay",
      "confirm",
      "cancellation-window-closed",
      "ship",
      "deliver",
      "close",
    ]);
    expect(steps.map((s) => s.snapshot.state)).toEqual([
      "paid",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "closed",
    ]);
    expect(steps.map((s) => s.commands)).toEqual([[], [], ["notifyErp"], [], [], []]);
    expect(steps[2]?.snapshot.context.windowClosed).toBe(true);
    expect(stateInfo(def, "closed")?.flags).toContain("final");
  });

  it("paying cancels the payment timeout", () => {
    const [paid] = run(payment(), at("payment-pending"), ["pay"]);
    expect(paid?.timers).toEqual({ schedule: [], cancel: [PAYMENT_TIMEOUT] });
  });

  it("an unpaid item becomes invalid when the payment timeout fires, releasing its reservation", () => {
    const def = payment();
    const first = initialStep(def);
    const result = step(def, first.snapshot, timerEvent(first));
    expect(result?.snapshot.state).toBe("invalid");
    expect(result?.commands).toEqual(["releaseReservation"]);
    expect(result?.timers.cancel).toEqual([PAYMENT_TIMEOUT]);
  });

  it("an invalid item is hidden from the customer and counts as canceled", () => {
    expect(stateInfo(payment(), "invalid")).toEqual({
      display: "invalid",
      flags: ["cancelled", "exclude-from-customer", "final"],
    });
  });

  it("a stale payment timeout is refused once the item has moved on", () => {
    expect(step(payment(), at("paid"), PAYMENT_TIMEOUT)).toBeNull();
  });

  it("cancelling before payment only releases the reservation", () => {
    const [result] = run(payment(), at("payment-pending"), ["cancel"]);
    expect(result?.snapshot.state).toBe("cancelled");
    expect(result?.commands).toEqual(["releaseReservation"]);
    expect(result?.timers.cancel).toEqual([PAYMENT_TIMEOUT]);
  });

  it.each(["paid", "confirmed", "exported"])(
    "cancelling a %s item refunds it and releases the reservation",
    (state) => {
      const [result] = run(payment(), at(state), ["cancel"]);
      expect(result?.snapshot.state).toBe("cancelled");
      expect(result?.commands).toEqual(["refundItem", "releaseReservation"]);
    },
  );

  it("a cancelled item is final and counts as canceled", () => {
    expect(stateInfo(payment(), "cancelled")?.flags).toEqual(["cancelled", "final"]);
    expect(acceptedEvents(payment(), at("cancelled"))).toEqual([]);
    expect(step(payment(), at("cancelled"), "pay")).toBeNull();
  });

  it.each(["shipped", "delivered", "returned", "refunded", "closed"])(
    "a %s item cannot be cancelled",
    (state) => {
      expect(step(payment(), at(state), "cancel")).toBeNull();
    },
  );

  it("confirmed waits for the cancellation window before the export", () => {
    const [confirmed] = run(payment(), at("paid"), ["confirm"]);
    expect(confirmed?.snapshot.state).toBe("confirmed");
    expect(confirmed?.commands).toEqual([]);
  });

  it("an item confirmed after the window closed is exported at once", () => {
    const [result] = run(payment(), at("paid", true), ["confirm"]);
    expect(result?.snapshot.state).toBe("exported");
    expect(result?.path).toEqual(["confirmed", "exported"]);
    expect(result?.commands).toEqual(["notifyErp"]);
  });

  it("the window closing before confirmation is remembered by the item", () => {
    const def = payment();
    const [pending] = run(def, at("payment-pending"), ["cancellation-window-closed"]);
    expect(pending?.snapshot).toEqual({
      state: "payment-pending",
      context: { windowClosed: true },
    });
    expect(pending?.path).toEqual([]);
    expect(pending?.commands).toEqual([]);
    // The payment timeout keeps running: the state was not left.
    expect(pending?.timers).toEqual({ schedule: [], cancel: [] });
    const steps = run(def, pending!.snapshot, ["pay", "confirm"]);
    expect(steps.at(-1)?.snapshot.state).toBe("exported");
    expect(steps.at(-1)?.commands).toEqual(["notifyErp"]);
  });

  it.each(["confirmed", "exported", "shipped", "delivered"])(
    "invoice-generate on a %s item generates the invoice without moving it",
    (state) => {
      const [result] = run(payment(), at(state), ["invoice-generate"]);
      expect(result?.snapshot.state).toBe(state);
      expect(result?.path).toEqual([]);
      expect(result?.commands).toEqual(["generateInvoice"]);
      expect(result?.timers).toEqual({ schedule: [], cancel: [] });
    },
  );

  it.each(["payment-pending", "paid", "returned"])(
    "a %s item cannot generate an invoice",
    (state) => {
      expect(step(payment(), at(state), "invoice-generate")).toBeNull();
    },
  );

  it("delivery starts the close-after-delivery timer (14 days)", () => {
    const [delivered] = run(payment(), at("shipped", true), ["deliver"]);
    expect(delivered?.timers.schedule).toEqual([
      { id: CLOSE_AFTER_DELIVERY, event: CLOSE_AFTER_DELIVERY, delayMs: 14 * 24 * 60 * 60 * 1000 },
    ]);
  });

  it("a delivered item closes by itself when the close-after-delivery timer fires", () => {
    const def = payment();
    const [delivered] = run(def, at("shipped", true), ["deliver"]);
    const closed = step(def, delivered!.snapshot, timerEvent(delivered!));
    expect(closed?.snapshot.state).toBe("closed");
    expect(closed?.timers.cancel).toEqual([CLOSE_AFTER_DELIVERY]);
  });

  it("a return cancels the close timer, and the refund refunds the item", () => {
    const [returned, refunded] = run(payment(), at("delivered", true), ["return", "refund"]);
    expect(returned?.snapshot.state).toBe("returned");
    expect(returned?.timers.cancel).toEqual([CLOSE_AFTER_DELIVERY]);
    expect(refunded?.snapshot.state).toBe("refunded");
    expect(refunded?.commands).toEqual(["refundItem"]);
    expect(stateInfo(payment(), "refunded")?.flags).toEqual(["shipped", "refunded", "final"]);
  });

  it("closing a delivered item by hand cancels the close timer", () => {
    const [closed] = run(payment(), at("delivered", true), ["close"]);
    expect(closed?.snapshot.state).toBe("closed");
    expect(closed?.timers.cancel).toEqual([CLOSE_AFTER_DELIVERY]);
  });

  it("flags: cancellable and reserved until exported, shipped from shipping on", () => {
    const def = payment();
    const flags = (s: string) => stateInfo(def, s)?.flags;
    for (const s of ["new", "payment-pending", "paid", "confirmed"]) {
      expect(flags(s)).toEqual(["cancellable", "reserved"]);
    }
    expect(flags("exported")).toEqual(["reserved"]);
    for (const s of ["shipped", "delivered", "returned"]) expect(flags(s)).toEqual(["shipped"]);
    expect(flags("refunded")).toEqual(["shipped", "refunded", "final"]);
    expect(flags("closed")).toEqual(["shipped", "final"]);
    expect(stateInfo(def, "payment-pending")?.display).toBe("payment pending");
    expect(stateInfo(def, "nowhere")).toBeUndefined();
  });

  it("lists the manual events each state accepts", () => {
    const def = payment();
    expect(acceptedEvents(def, at("payment-pending"), true)).toEqual(["pay", "cancel"]);
    expect(acceptedEvents(def, at("paid"), true)).toEqual(["confirm", "cancel"]);
    expect(acceptedEvents(def, at("confirmed"), true)).toEqual(["invoice-generate", "cancel"]);
    expect(acceptedEvents(def, at("exported"), true)).toEqual([
      "ship",
      "cancel",
      "invoice-generate",
    ]);
    expect(acceptedEvents(def, at("shipped"), true)).toEqual(["deliver", "invoice-generate"]);
    expect(acceptedEvents(def, at("delivered"), true)).toEqual([
      "return",
      "close",
      "invoice-generate",
    ]);
    expect(acceptedEvents(def, at("returned"), true)).toEqual(["refund"]);
    expect(acceptedEvents(def, at("closed"), true)).toEqual([]);
  });

  it("lists timer and window events among all accepted events, not among manual ones", () => {
    expect(acceptedEvents(payment(), at("payment-pending"))).toEqual([
      "pay",
      "cancel",
      PAYMENT_TIMEOUT,
      "cancellation-window-closed",
    ]);
  });
});
