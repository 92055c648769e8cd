import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import {
  acceptedEvents,
  type ItemSnapshot,
  initialStep,
  stateInfo,
  step,
} from "../../src/engine/step";
import type { ItemContext, ItemEvent } from "../../src/machines/item-process";
import { getProcess, listProcesses, type ProcessDefinition } from "../../src/machines/registry";
import { seeded } from "../seed";
import { at, payment, run } from "./helpers";

const statesOf = (def: ProcessDefinition) => Object.keys(def.machine.root.states);

/** Every event a process reacts to anywhere, timer events included. */
function eventsOf(def: ProcessDefinition): string[] {
  const events = new Set<string>(def.manualEvents);
  events.add("cancellation-window-closed");
  for (const state of statesOf(def)) {
    for (const windowClosed of [false, true]) {
      for (const e of acceptedEvents(def, at(state, windowClosed))) events.add(e);
    }
  }
  return [...events];
}

describe("step", () => {
  it("settles eventless chains: no step ends in a state that would move on by itself", () => {
    for (const def of listProcesses()) {
      for (const state of statesOf(def)) {
        for (const windowClosed of [false, true]) {
          for (const event of eventsOf(def)) {
            const result = step(def, at(state, windowClosed), event);
            if (!result) continue;
            expect(result.snapshot.state).not.toBe("new");
            expect(
              result.snapshot.state === "confirmed" && result.snapshot.context.windowClosed,
            ).toBe(false);
            if (result.path.length) expect(result.path.at(-1)).toBe(result.snapshot.state);
          }
        }
      }
    }
  });

  it("reports a command once per occurrence, even when the event and a guard both lead on", () => {
    const [result] = run(payment(), at("confirmed"), ["cancellation-window-closed"]);
    expect(result?.commands).toEqual(["notifyErp"]);
  });

  it("reports only declared commands, never xstate's own actions", () => {
    for (const def of listProcesses()) {
      for (const state of statesOf(def)) {
        for (const windowClosed of [false, true]) {
          for (const event of eventsOf(def)) {
            const result = step(def, at(state, windowClosed), event);
            for (const command of result?.commands ?? []) {
              expect(Object.keys(def.commands)).toContain(command);
            }
          }
        }
      }
      for (const command of initialStep(def).commands) {
        expect(Object.keys(def.commands)).toContain(command);
      }
    }
  });

  it("returns null for an event the state does not accept", () => {
    expect(step(payment(), at("payment-pending"), "ship")).toBeNull();
    expect(step(payment(), at("payment-pending"), "no-such-event")).toBeNull();
    expect(step(payment(), at("payment-pending"), "")).toBeNull();
    expect(step(payment(), at("payment-pending"), "xstate.init")).toBeNull();
  });

  it("accepts nothing in a final state, not even the window event", () => {
    for (const def of listProcesses()) {
      for (const state of statesOf(def)) {
        if (!stateInfo(def, state)?.flags.includes("final")) continue;
        expect(step(def, at(state), "cancellation-window-closed")).toBeNull();
        expect(acceptedEvents(def, at(state))).toEqual([]);
      }
    }
  });

  it("throws naming the state when a snapshot is in a state the process does not have", () => {
    expect(() => step(payment(), at("lost"), "pay")).toThrow(/payment@1 has no state "lost"/);
  });

  it("does not let the result be changed by one caller under another", () => {
    const result = step(payment(), at("payment-pending"), "pay");
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result?.snapshot.context)).toBe(true);
    expect(Object.isFrozen(result?.timers.cancel)).toBe(true);
    expect(step(payment(), at("payment-pending"), "pay")).toBe(result);
  });

  it("uses the configured delays for timers", () => {
    const def = getProcess("payment@1", { delays: { paymentTimeout: 5_000 } });
    expect(initialStep(def!).timers.schedule[0]?.delayMs).toBe(5_000);
    const [delivered] = run(def!, at("shipped", true), ["deliver"]);
    // Delays not configured keep their defaults.
    expect(delivered?.timers.schedule[0]?.delayMs).toBe(14 * 24 * 60 * 60 * 1000);
  });

  it("drops a timer scheduled and cancelled within the same step", () => {
    // A state with a timeout that is left at once by an eventless transition: the timer must
    // neither be stored nor deleted.
    const machine = setup({
      types: { context: {} as ItemContext, events: {} as ItemEvent },
      guards: { windowClosed: ({ context }) => context.windowClosed },
      delays: { wait: 1_000 },
    }).createMachine({
      id: "passing@1",
      initial: "start",
      context: { windowClosed: false },
      states: {
        start: { on: { ship: "waiting" } },
        waiting: {
          after: { wait: "done" },
          always: { guard: "windowClosed", target: "done" },
        },
        done: {},
      },
    });
    const def: ProcessDefinition = {
      id: "passing@1",
      name: "passing",
      version: 1,
      machine,
      manualEvents: ["ship"],
      commands: {},
      delays: {},
      migration: { notifyErp: false },
    };
    const passing = step(def, at("start", true), "ship");
    expect(passing?.path).toEqual(["waiting", "done"]);
    expect(passing?.timers).toEqual({ schedule: [], cancel: [] });
    const staying = step(def, at("start", false), "ship");
    expect(staying?.timers.schedule).toEqual([
      {
        id: "xstate.after.wait.passing@1.waiting",
        event: "xstate.after.wait.passing@1.waiting",
        delayMs: 1_000,
      },
    ]);
  });
});

describe("acceptedEvents", () => {
  it("honours guards: confirmed does not offer an eventless move as an event", () => {
    expect(acceptedEvents(payment(), at("confirmed"))).toEqual([
      "cancellation-window-closed",
      "invoice-generate",
      "cancel",
    ]);
  });

  it("gives every caller its own array", () => {
    const a = acceptedEvents(payment(), at("paid"), true);
    a.push("tampered");
    expect(acceptedEvents(payment(), at("paid"), true)).toEqual(["confirm", "cancel"]);
  });

  it("only lists events that step accepts", () => {
    for (const def of listProcesses()) {
      for (const state of statesOf(def)) {
        for (const windowClosed of [false, true]) {
          const snapshot = at(state, windowClosed);
          const accepted = acceptedEvents(def, snapshot);
          for (const event of eventsOf(def)) {
            expect(step(def, snapshot, event) !== null).toBe(accepted.includes(event));
          }
        }
      }
    }
  });
});

describe("random event sequences", () => {
  it("always end in a state of the process and never throw", () => {
    const defs = listProcesses();
    const scenario = fc.constantFrom(...defs).chain((def) =>
      fc.record({
        def: fc.constant(def),
        start: fc.constantFrom(...statesOf(def).filter((s) => s !== "new")),
        windowClosed: fc.boolean(),
        events: fc.array(fc.oneof(fc.constantFrom(...eventsOf(def)), fc.string()), {
          maxLength: 25,
        }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ def, start, windowClosed, events }) => {
        const states = statesOf(def);
        let current: ItemSnapshot = at(start, windowClosed);
        for (const event of events) {
          const result = step(def, current, event);
          if (!result) continue;
          expect(states).toContain(result.snapshot.state);
          for (const s of result.path) expect(states).toContain(s);
          // Once closed, the window stays closed.
          if (current.context.windowClosed) expect(result.snapshot.context.windowClosed).toBe(true);
          current = result.snapshot;
        }
        expect(stateInfo(def, current.state)).toBeDefined();
      }),
      { numRuns: 500, ...seeded("random event sequences on one item") },
    );
  });
});
