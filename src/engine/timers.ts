import { applyEvent, type EventOutcome, type Stepper } from "./events";
import {
  emptyChange,
  type OrderState,
  type Timer,
  WINDOW_CLOSED_EVENT,
  WINDOW_TIMER_ID,
} from "./model";

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

/** Fires one due timer: the order's window, or an item's delayed event. */
export function fireTimer(state: OrderState, stepper: Stepper, timer: Timer, now: number) {
  if (timer.id === WINDOW_TIMER_ID)
    return closeWindow(state, stepper, { actor: "timer", now, type: "timer" }).change;
  const item = timer.itemId ? state.items.get(timer.itemId) : undefined;
  if (!item) {
    const change = emptyChange();
    change.deletedTimers.push(timer.id);
    return change;
  }
  const { change } = applyEvent(state, stepper, [{ item, quantity: item.quantity }], {
    event: timer.event,
    actor: "timer",
    now,
    type: "timer",
    data: { timer: timer.id, dueAt: new Date(timer.dueAt).toISOString() },
  });
  // Deletions apply before additions, so a timer that re-arms itself under the same id survives.
  if (!change.deletedTimers.includes(timer.id)) change.deletedTimers.push(timer.id);
  return change;
}
