import { describe, expect, it } from "vitest";
import { restsIn, step, timersOfState } from "../../src/engine/step";
import { getProcess } from "../../src/machines/registry";
import { at, run, timerEvent } from "./helpers";

const v2 = () => getProcess("payment@2")!;
const DAY = 24 * 60 * 60_000;

describe("payment@2", () => {
  it("puts a paid item on backorder, confirms it when stock comes, cancels it with a refund after the stock timeout", () => {
    const [backordered] = run(v2(), at("paid"), ["backorder"]);
    expect(backordered?.snapshot.state).toBe("awaiting-stock");
    expect(backordered?.commands).toEqual(["releaseReservation"]);
    expect(backordered?.timers.schedule).toEqual([expect.objectContaining({ delayMs: 14 * DAY })]);
    expect(run(v2(), at("awaiting-stock"), ["confirm"])[0]?.snapshot.state).toBe("confirmed");
    const timedOut = step(v2(), at("awaiting-stock"), timerEvent(backordered!));
    expect(timedOut?.snapshot.state).toBe("cancelled");
    expect(timedOut?.commands).toEqual(["refundItem"]);
  });

  it("waits in each state for what its entry would schedule (the timers a migration derives)", () => {
    expect(timersOfState(v2(), "payment-pending")).toEqual([
      {
        id: "xstate.after.paymentTimeout.payment@2.payment-pending",
        event: "xstate.after.paymentTimeout.payment@2.payment-pending",
        delayMs: DAY,
      },
    ]);
    expect(timersOfState(v2(), "paid")).toEqual([]);
    const entered = run(v2(), at("paid"), ["backorder"])[0]!;
    expect(timersOfState(v2(), "awaiting-stock")).toEqual(entered.timers.schedule);
  });

  it("knows the states an item would leave at once", () => {
    expect(restsIn(v2(), at("confirmed"))).toBe(true);
    expect(restsIn(v2(), at("confirmed", true))).toBe(false);
    expect(restsIn(v2(), at("new"))).toBe(false);
    expect(restsIn(v2(), at("closed"))).toBe(true);
  });
});
