import { applyEvent, type EventOutcome } from "./apply-event";
import {
  emptyChange,
  type OrderState,
  type Timer,
  WINDOW_CLOSED_EVENT,
  WINDOW_TIMER_ID,
} from "./model";
import type { Stepper } from "./stepper";

/**
 * Closes the customer's cancellation window: records it and sends `cancellation-window-closed`
 * to every item, so processes may hand the order to the ERP only now.
 */
export function closeWindow(
  state: OrderState,
  stepper: Stepper,
  options: { actor: string; now: number; type: "timer" | "event" },
): EventOutcome {
  const outcome = applyEvent(
    state,
    stepper,
    [...state.items.values()].map((item) => ({ item, quantity: item.quantity })),
    { event: WINDOW_CLOSED_EVENT, actor: options.actor, now: options.now, type: options.type },
  );
  const { change } = outcome;
  change.header = { ...(change.header ?? state.header), windowClosedAt: options.now };
  change.deletedTimers.push(WINDOW_TIMER_ID);
  change.history.unshift({
    at: options.now,
    actor: options.actor,
    type: "cancellation-window-closed",
    itemIds: [],
    data: {
      cancellableUntil: new Date(state.header.cancellableUntil).toISOString(),
      early: options.now < state.header.cancellableUntil,
    },
  });
  return outcome;
}

/**
 * Fires the earliest due timer together with every other item timer due at the same moment for
 * the same event (10,000 items' payment timeouts are one event, not 10,000).
 */
export function fireDueTimer(state: OrderState, stepper: Stepper, due: Timer[]) {
  const [first] = due;
  if (!first) return emptyChange();
  if (first.id === WINDOW_TIMER_ID)
    return closeWindow(state, stepper, { actor: "timer", now: first.dueAt, type: "timer" }).change;
  const batch = due.filter(
    (t) => t.itemId !== null && t.dueAt === first.dueAt && t.event === first.event,
  );
  const selections = batch.flatMap((t) => {
    const item = t.itemId ? state.items.get(t.itemId) : undefined;
    return item ? [{ item, quantity: item.quantity }] : [];
  });
  const { change } = applyEvent(state, stepper, selections, {
    event: first.event,
    actor: "timer",
    now: first.dueAt,
    type: "timer",
    data: { dueAt: new Date(first.dueAt).toISOString() },
  });
  // Deletions apply before additions, so a timer that re-arms itself under the same id survives.
  const deleted = new Set(change.deletedTimers);
  for (const t of batch) if (!deleted.has(t.id)) change.deletedTimers.push(t.id);
  return change;
}

/** When the order's earliest timer is due, or null when it has none. */
export function nextTimerDue(state: OrderState): number | null {
  let next: number | null = null;
  for (const t of state.timers.values()) if (next === null || t.dueAt < next) next = t.dueAt;
  return next;
}

/** Timers due at or before `now`, earliest first. */
export function dueTimers(state: OrderState, now: number): Timer[] {
  return [...state.timers.values()]
    .filter((t) => t.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}
