/**
 * The one place that runs xstate. The engine steps items with xstate's pure transition
 * functions: there is no running actor, so nothing here schedules anything. Delayed
 * transitions come back as timer changes the Durable Object stores in its own table; when a
 * timer is due the engine calls `step` with the timer's event.
 *
 * Results are cached here and shared between items and calls, so they are frozen: copy before
 * changing anything.
 */
import {
  type AnyMachineSnapshot,
  getInitialMicrosteps,
  getMicrosteps,
  getNextTransitions,
} from "xstate";
import type { StateFlag } from "../domain/processes";
import { type ItemContext, readStateMeta } from "../machines/item-process";
import type { ProcessDefinition } from "../machines/registry";

export interface ItemSnapshot {
  state: string;
  context: ItemContext;
}

export interface TimerChange {
  /**
   * Delayed events to store. `id` is xstate's deterministic send id; for `after` transitions
   * both `id` and `event` are `xstate.after.<delayName>.<processId>.<state>`, e.g.
   * `xstate.after.paymentTimeout.payment@1.payment-pending`.
   */
  schedule: readonly { id: string; event: string; delayMs: number }[];
  /** Ids of stored timers to delete. Apply these before `schedule`. */
  cancel: readonly string[];
}

export interface StepResult {
  /** State after the event and all eventless transitions that follow. */
  snapshot: ItemSnapshot;
  /** States entered, in order (not including the start state; for `initialStep`, "new" first). */
  path: readonly string[];
  /** Command (action) names, in order, each once per occurrence. */
  commands: readonly string[];
  timers: TimerChange;
}

/** What xstate puts in a microstep's action list (only the parts read here). */
interface ExecutedAction {
  type: string;
  params?: unknown;
}

/** One microstep as xstate returns it: the snapshot after it and the actions it ran. */
type Microstep = readonly [AnyMachineSnapshot, readonly ExecutedAction[]];

/**
 * xstate's own actions ("xstate.raise", "xstate.cancel", ...) are bookkeeping: delayed raises
 * and cancels become timer changes, the rest is dropped. Every other action is a named command
 * (assign actions never show up: xstate applies them inside the transition).
 */
const XSTATE_PREFIX = "xstate.";

function toItemSnapshot(snapshot: AnyMachineSnapshot): ItemSnapshot {
  const value: unknown = snapshot.value;
  // Item machines are flat, so a state value is a plain string; anything else is a process bug.
  if (typeof value !== "string") {
    throw new Error(`item process ${snapshot.machine.id} produced a nested state value`);
  }
  const context: unknown = snapshot.context;
  const windowClosed =
    typeof context === "object" && context !== null && "windowClosed" in context
      ? context.windowClosed === true
      : false;
  return { state: value, context: { windowClosed } };
}

function readEventType(params: unknown): string | undefined {
  if (typeof params !== "object" || params === null || !("event" in params)) return undefined;
  const event: unknown = params.event;
  if (typeof event === "string") return event;
  if (typeof event === "object" && event !== null && "type" in event) {
    return typeof event.type === "string" ? event.type : undefined;
  }
  return undefined;
}

function collect(microsteps: readonly Microstep[], start: string | undefined): StepResult {
  const path: string[] = [];
  const commands: string[] = [];
  // Net timer changes over the whole step: a timer scheduled and cancelled within one step
  // (a state entered and left again by an eventless transition) never reaches storage.
  const schedule = new Map<string, { id: string; event: string; delayMs: number }>();
  const cancel: string[] = [];
  let current = start;
  let last: AnyMachineSnapshot | undefined;

  for (const [snapshot, actions] of microsteps) {
    last = snapshot;
    const value: unknown = snapshot.value;
    if (typeof value === "string" && value !== current) {
      path.push(value);
      current = value;
    }
    for (const action of actions) {
      if (action.type === "xstate.raise") {
        const params = action.params;
        const event = readEventType(params);
        if (
          event !== undefined &&
          typeof params === "object" &&
          params !== null &&
          "delay" in params &&
          typeof params.delay === "number"
        ) {
          const id = "id" in params && typeof params.id === "string" ? params.id : event;
          schedule.set(id, { id, event, delayMs: params.delay });
        }
        // A raise without a delay is processed inside the same macrostep: nothing to store.
      } else if (action.type === "xstate.cancel") {
        const params = action.params;
        if (typeof params === "object" && params !== null && "sendId" in params) {
          const sendId = params.sendId;
          if (typeof sendId === "string" && !schedule.delete(sendId)) cancel.push(sendId);
        }
      } else if (!action.type.startsWith(XSTATE_PREFIX)) {
        commands.push(action.type);
      }
    }
  }
  if (!last) throw new Error("xstate returned no microsteps");
  const snapshot = toItemSnapshot(last);
  // Frozen because results are cached and shared between items and requests.
  return Object.freeze({
    snapshot: Object.freeze({ state: snapshot.state, context: Object.freeze(snapshot.context) }),
    path: Object.freeze(path),
    commands: Object.freeze(commands),
    timers: Object.freeze({
      schedule: Object.freeze([...schedule.values()].map((t) => Object.freeze(t))),
      cancel: Object.freeze(cancel),
    }),
  });
}

// Resolved snapshots are immutable and there are few (states x window flag), so they are
// built once per machine.
const resolvedByMachine = new WeakMap<object, Map<string, AnyMachineSnapshot>>();

function resolve(def: ProcessDefinition, snapshot: ItemSnapshot): AnyMachineSnapshot {
  let resolved = resolvedByMachine.get(def.machine);
  if (!resolved) {
    resolved = new Map();
    resolvedByMachine.set(def.machine, resolved);
  }
  const windowClosed = snapshot.context.windowClosed === true;
  const key = `${snapshot.state}\u0000${windowClosed ? 1 : 0}`;
  let snap = resolved.get(key);
  if (!snap) {
    if (!Object.hasOwn(def.machine.root.states, snapshot.state)) {
      throw new Error(`process ${def.id} has no state "${snapshot.state}"`);
    }
    snap = def.machine.resolveState({ value: snapshot.state, context: { windowClosed } });
    resolved.set(key, snap);
  }
  return snap;
}

const initialByDef = new WeakMap<ProcessDefinition, StepResult>();

/**
 * The start of a new item: the initial state and the eventless chain after it. For payment@1
 * the item ends in payment-pending, with sendOrderConfirmation in `commands` and the payment
 * timeout in `timers.schedule`. `path` starts with the initial state ("new").
 */
export function initialStep(def: ProcessDefinition): StepResult {
  let result = initialByDef.get(def);
  if (!result) {
    result = collect(getInitialMicrosteps(def.machine), undefined);
    initialByDef.set(def, result);
  }
  return result;
}

/**
 * Applies `event` (a manual event, `cancellation-window-closed`, or a stored timer's event) to
 * an item. Returns null when the item's state does not accept the event now (guards
 * included), and always for an item in a final state.
 */
export function step(
  def: ProcessDefinition,
  snapshot: ItemSnapshot,
  event: string,
): StepResult | null {
  let cache = stepCache.get(def);
  if (!cache) {
    cache = new Map();
    stepCache.set(def, cache);
  }
  const key = `${snapshot.state}\u0000${snapshot.context.windowClosed ? 1 : 0}\u0000${event}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const snap = resolve(def, snapshot);
  if (snap.status !== "active") return null;
  const ev = { type: event };
  // Refusals are not cached: event names come from callers and would grow the cache without
  // bound, and a refusal costs no transition anyway.
  if (!snap.can(ev)) return null;
  const result = collect(getMicrosteps(def.machine, snap, ev), snapshot.state);
  cache.set(key, result);
  return result;
}

// A step is a pure function of (process, state, window flag, event), and the accepted
// combinations are few, so every result is computed once per process definition.
const stepCache = new WeakMap<ProcessDefinition, Map<string, StepResult>>();

const acceptedCache = new WeakMap<ProcessDefinition, Map<string, readonly string[]>>();

/**
 * The events the item's state accepts now, in definition order: manual events, the window
 * event and due-timer events; with `manualOnly`, only the process's manual events.
 */
export function acceptedEvents(
  def: ProcessDefinition,
  snapshot: ItemSnapshot,
  manualOnly = false,
): string[] {
  let cache = acceptedCache.get(def);
  if (!cache) {
    cache = new Map();
    acceptedCache.set(def, cache);
  }
  const key = `${snapshot.state}\u0000${snapshot.context.windowClosed ? 1 : 0}\u0000${manualOnly ? 1 : 0}`;
  let events = cache.get(key);
  if (!events) {
    const snap = resolve(def, snapshot);
    const found: string[] = [];
    if (snap.status === "active") {
      for (const t of getNextTransitions(snap)) {
        const type: unknown = t.eventType;
        // Eventless transitions have an empty event type: nobody can send them.
        if (typeof type !== "string" || type === "" || found.includes(type)) continue;
        if (manualOnly && !def.manualEvents.includes(type)) continue;
        if (snap.can({ type })) found.push(type);
      }
    }
    events = found;
    cache.set(key, events);
  }
  return [...events];
}

export interface StateInfo {
  display: string;
  flags: readonly StateFlag[];
}

const infoByDef = new WeakMap<ProcessDefinition, ReadonlyMap<string, StateInfo>>();

/** A state's display name and flags, or undefined for a state the process does not have. */
export function stateInfo(def: ProcessDefinition, state: string): StateInfo | undefined {
  let info = infoByDef.get(def);
  if (!info) {
    const map = new Map<string, StateInfo>();
    for (const [key, node] of Object.entries(def.machine.root.states)) {
      const { display, flags } = readStateMeta(key, node.meta);
      map.set(key, Object.freeze({ display, flags: Object.freeze([...flags]) }));
    }
    info = map;
    infoByDef.set(def, info);
  }
  return info.get(state);
}

/** A state's flags; none for a state the process does not have. */
export const flagsOf = (def: ProcessDefinition, state: string): readonly StateFlag[] =>
  stateInfo(def, state)?.flags ?? [];

/**
 * Whether an item at rest in `snapshot` would stay there: false when an eventless transition
 * of the state takes it on at once (a state the process only passes through, or a guard the
 * item's context already meets). A migration never puts an item where it would not rest.
 */
export function restsIn(def: ProcessDefinition, snapshot: ItemSnapshot): boolean {
  const snap = resolve(def, snapshot);
  if (snap.status !== "active") return true;
  // An event no state handles: xstate runs only the eventless transitions after it.
  const result = collect(
    getMicrosteps(def.machine, snap, { type: "edge-oms.settle" }),
    snapshot.state,
  );
  return result.path.length === 0;
}

/**
 * The delayed events an item waits for in `state`, with their delays: the timers a migration
 * derives anew for an item it puts there. The ids are those the state's entry would schedule.
 */
export function timersOfState(
  def: ProcessDefinition,
  state: string,
): { id: string; event: string; delayMs: number }[] {
  const node = def.machine.root.states[state];
  if (!node) throw new Error(`process ${def.id} has no state "${state}"`);
  return node.after.map((t) => {
    const delay: unknown = t.delay;
    const delayMs =
      typeof delay === "number" ? delay : typeof delay === "string" ? def.delays[delay] : undefined;
    if (delayMs === undefined) throw new Error(`process ${def.id}: no delay for ${t.eventType}`);
    return { id: t.eventType, event: t.eventType, delayMs };
  });
}
