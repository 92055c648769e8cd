import type { JsonObject } from "../domain/json";
import type { MoneyStatus } from "../domain/order-view";
import { addCommandsOf, erpEvent } from "./command-effects";
import {
  type Change,
  emptyChange,
  itemTimerId,
  type NewHistoryEntry,
  type OrderState,
} from "./model";
import { statusOf } from "./money";
import { recordMoneyMoved } from "./money-moves";
import { type Moved, type Skipped, skipReason } from "./outcome";
import { flagsOf, stateInfo } from "./step";
import type { Stepper } from "./stepper";
import { type Selection, splitItem } from "./targets";

/** What applying an event changes, and the items it moved and skipped. */
export interface EventOutcome {
  change: Change;
  moved: Moved[];
  skipped: Skipped[];
}

export interface ApplyOptions {
  event: string;
  actor: string;
  now: number;
  data?: JsonObject;
  /** History entry type: `event` for commands, `timer` for a timer firing. */
  type?: string;
}

/**
 * Applies one event to the selected items: items whose state accepts it move (splitting an item
 * when only part of its quantity is selected), the others are skipped with their state.
 */
export function applyEvent(
  state: OrderState,
  stepper: Stepper,
  selections: Selection[],
  options: ApplyOptions,
): EventOutcome {
  const change = emptyChange();
  const moved: Moved[] = [];
  const skipped: Skipped[] = [];
  const groups = new Map<string, NewHistoryEntry>();
  const commands = new Map<string, string[]>();
  /** Items whose money changed status (open to canceled, open to refunded ...). */
  const entered = new Map<MoneyStatus, string[]>();
  let nextItemNo = state.header.nextItemNo;

  for (const { item, quantity } of selections) {
    const result = stepper.step(item, options.event);
    if (!result) {
      skipped.push({
        itemId: item.id,
        state: item.state,
        reason: skipReason(item.state, options.event),
      });
      continue;
    }
    let target = item;
    if (quantity < item.quantity)
      target = splitItem(state, change, item, quantity, `I${nextItemNo++}`);
    // A transition that stays put (invoice-generate) runs its commands but rewrites nothing.
    if (target !== item || !result.unchanged)
      change.items.push({
        ...target,
        state: result.snapshot.state,
        context: result.snapshot.context,
        // Only entering another state restarts the clock: a self-transition or a context
        // change (the window closing) leaves the item where it has been waiting.
        stateSince: result.snapshot.state === item.state ? target.stateSince : options.now,
      });
    moved.push({ itemId: target.id, from: item.state, to: result.snapshot.state, quantity });

    for (const sendId of result.timers.cancel) {
      const id = itemTimerId(target.id, sendId);
      if (target === item) change.deletedTimers.push(id);
      else change.timers = change.timers.filter((t) => t.id !== id);
    }
    for (const scheduled of result.timers.schedule)
      change.timers.push({
        id: itemTimerId(target.id, scheduled.id),
        itemId: target.id,
        event: scheduled.event,
        dueAt: options.now + scheduled.delayMs,
      });
    for (const command of result.commands) {
      const ids = commands.get(command) ?? [];
      ids.push(target.id);
      commands.set(command, ids);
    }

    const from = statusOf(stateInfo(stepper.process, item.state)?.flags ?? []);
    const to = statusOf(stateInfo(stepper.process, result.snapshot.state)?.flags ?? []);
    if (from !== to) {
      const ids = entered.get(to) ?? [];
      ids.push(target.id);
      entered.set(to, ids);
    }

    const groupKey = `${item.state}\u0000${result.snapshot.state}`;
    let entry = groups.get(groupKey);
    if (!entry) {
      entry = {
        at: options.now,
        actor: options.actor,
        type: options.type ?? "event",
        event: options.event,
        itemIds: [],
        from: item.state,
        to: result.snapshot.state,
        ...(options.data ? { data: options.data } : {}),
      };
      groups.set(groupKey, entry);
    }
    entry.itemIds.push(target.id);
  }

  change.history.push(...groups.values());
  if (nextItemNo !== state.header.nextItemNo) change.header = { ...state.header, nextItemNo };
  // The ERP has the order once it was exported: from then on it hears of every cancellation.
  if (state.header.exportedAt !== null) {
    const cancelled = moved.filter(
      (m) =>
        flagsOf(stepper.process, m.to).includes("cancelled") &&
        !flagsOf(stepper.process, m.from).includes("cancelled"),
    );
    if (cancelled.length > 0)
      change.effects.push(
        erpEvent(state.header, options.now, "order.items.cancelled", {
          itemIds: cancelled.map((m) => m.itemId),
        }),
      );
  }
  addCommandsOf(state.header, stepper.process, change, commands, options, stepper.settings);
  // Events only move money out of charged (canceled and refunded states are final), so the
  // refusal recordMoneyMoved can answer concerns edits, not events.
  if (entered.size > 0) recordMoneyMoved(state, stepper.process, change, options, entered);
  return { change, moved, skipped };
}
