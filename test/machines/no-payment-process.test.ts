import { describe, expect, it } from "vitest";
import { acceptedEvents, initialStep, stateInfo, step } from "../../src/engine/step";
import { at, noPayment, run, timerEvent } from "./helpers";

const CLOSE_AFTER_DELIVERY = "xstate.after.closeAfterDelivery.no-payment@1.delivered";

describe("no-payment@1", () => {
  it("a new item sends the order confirmation and is confirmed at once, with no timer", () => {
    const first = initialStep(noPayment());
    expect(first.snapshot).toEqual({ state: "confirmed", context: { windowClosed: false } });
    expect(first.path).toEqual(["new", "confirmed"]);
    expect(first.commands).toEqual(["sendOrderConfirmation"]);
    expect(first.timers).toEqual({ schedule: [], cancel: [] });
  });

  it("happy path: exported when the window closes, shipped, delivered, closed", () => {
    const def = noPayment();
    const steps = run(def, initialStep(def).snapshot, [
      "cancellation-window-closed",
      "ship",
      "deliver",
      "close",
    ]);
    expect(steps.map((s) => s.snapshot.state)).toEqual([
      "exported",
      "shipped",
      "delivered",
      "closed",
    ]);
    expect(steps.map((s) => s.commands)).toEqual([["notifyErp"], [], [], []]);
  });

  it("has no payment states and no payment events", () => {
    const def = noPayment();
    expect(stateInfo(def, "payment-pending")).toBeUndefined();
    expect(stateInfo(def, "paid")).toBeUndefined();
    expect(step(def, at("confirmed"), "pay")).toBeNull();
    expect(def.manualEvents).not.toContain("pay");
    expect(def.manualEvents).not.toContain("refund");
  });

  it.each(["confirmed", "exported"])(
    "cancelling a %s item releases the reservation and refunds nothing",
    (state) => {
      const [result] = run(noPayment(), at(state), ["cancel"]);
      expect(result?.snapshot.state).toBe("cancelled");
      expect(result?.commands).toEqual(["releaseReservation"]);
    },
  );

  it.each(["shipped", "delivered", "returned", "closed", "cancelled"])(
    "a %s item cannot be cancelled",
    (state) => {
      expect(step(noPayment(), at(state), "cancel")).toBeNull();
    },
  );

  it("the window closing exports a confirmed item and notifies the ERP once", () => {
    const [result] = run(noPayment(), at("confirmed"), ["cancellation-window-closed"]);
    expect(result?.path).toEqual(["exported"]);
    expect(result?.snapshot).toEqual({ state: "exported", context: { windowClosed: true } });
    expect(result?.commands).toEqual(["notifyErp"]);
  });

  it("a confirmed item whose window already closed moves on when stepped with any event", () => {
    // The engine never stores such a snapshot, but the guard still holds on any step.
    const [result] = run(noPayment(), at("confirmed", true), ["invoice-generate"]);
    expect(result?.snapshot.state).toBe("exported");
    expect(result?.commands).toEqual(["generateInvoice", "notifyErp"]);
  });

  it.each(["confirmed", "exported", "shipped", "delivered"])(
    "invoice-generate on a %s item generates the invoice without moving it",
    (state) => {
      const [result] = run(noPayment(), at(state, state !== "confirmed"), ["invoice-generate"]);
      expect(result?.snapshot.state).toBe(state);
      expect(result?.commands).toEqual(["generateInvoice"]);
    },
  );

  it("a delivered item closes by itself when the close-after-delivery timer fires", () => {
    const def = noPayment();
    const [delivered] = run(def, at("shipped", true), ["deliver"]);
    expect(delivered?.timers.schedule).toEqual([
      { id: CLOSE_AFTER_DELIVERY, event: CLOSE_AFTER_DELIVERY, delayMs: 14 * 24 * 60 * 60 * 1000 },
    ]);
    const closed = step(def, delivered!.snapshot, timerEvent(delivered!));
    expect(closed?.snapshot.state).toBe("closed");
  });

  it("a returned item is closed by hand, without a refund", () => {
    const def = noPayment();
    const [returned, closed] = run(def, at("delivered", true), ["return", "close"]);
    expect(returned?.timers.cancel).toEqual([CLOSE_AFTER_DELIVERY]);
    expect(step(def, returned!.snapshot, "refund")).toBeNull();
    expect(closed?.snapshot.state).toBe("closed");
    expect(closed?.commands).toEqual([]);
  });

  it("flags: cancellable and reserved while confirmed, shipped from shipping on", () => {
    const def = noPayment();
    const flags = (s: string) => stateInfo(def, s)?.flags;
    expect(flags("new")).toEqual(["cancellable", "reserved"]);
    expect(flags("confirmed")).toEqual(["cancellable", "reserved"]);
    expect(flags("exported")).toEqual(["reserved"]);
    for (const s of ["shipped", "delivered", "returned"]) expect(flags(s)).toEqual(["shipped"]);
    expect(flags("closed")).toEqual(["shipped", "final"]);
    expect(flags("cancelled")).toEqual(["cancelled", "final"]);
  });

  it("lists the manual events each state accepts", () => {
    const def = noPayment();
    expect(acceptedEvents(def, at("confirmed"), true)).toEqual(["invoice-generate", "cancel"]);
    expect(acceptedEvents(def, at("exported", true), true)).toEqual([
      "ship",
      "cancel",
      "invoice-generate",
    ]);
    expect(acceptedEvents(def, at("returned", true), true)).toEqual(["close"]);
    expect(acceptedEvents(def, at("closed", true), true)).toEqual([]);
  });
});
