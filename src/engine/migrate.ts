import type { z } from "zod";
import type { migrationBlock, OrderMigration, StateMove } from "../domain/process-migration";
import type { ProcessDefinition } from "../machines/registry";
import { erpEvent } from "./command-effects";
import type { Command } from "./commands";
import { type Change, emptyChange, type Item, itemTimerId, type OrderState } from "./model";
import { flagsOf, restsIn, timersOfState } from "./step";

/**
 * Moving a running order from one version of its process to another (`processes.migrate`):
 * each item to the state the map names, its timers derived anew from the new version, one
 * `process-migrated` history entry. Pure: the order object writes the change in one
 * transaction, so an order is either wholly on the old version or wholly on the new one.
 */

/**
 * Why an order cannot move, as the dry run and the report name it. `unmapped-state`: an item
 * is in a state the map leaves out. `transient-target`: the map puts an item in a state it would
 * leave at once (an eventless transition), so it would never rest there. `command-pending`: a
 * command of the order is still on its way (an invoice requested and not issued yet).
 */
export type MigrationBlock = z.infer<typeof migrationBlock>;

export interface MigrationRequest {
  migrationId: string;
  from: ProcessDefinition;
  to: ProcessDefinition;
  /** State of `from` -> state of `to`. */
  stateMap: Readonly<Record<string, string>>;
  actor: string;
}

export type MigrationPlan =
  /** The order runs on another process (already moved by this or another run, or never on it). */
  | { kind: "other-process"; process: string }
  /** Every item is in a final state: nothing runs any more, the order stays where it ended. */
  | { kind: "finished" }
  | { kind: "blocked"; reason: MigrationBlock; states: string[] }
  | { kind: "move"; moves: StateMove[]; change: Change };

/** What migrating `state` would do; `change` is what to write when it moves. */
export function planMigration(
  state: OrderState,
  request: MigrationRequest,
  now: number,
): MigrationPlan {
  const { from, to, stateMap } = request;
  if (state.header.process !== from.id)
    return { kind: "other-process", process: state.header.process };
  const items = [...state.items.values()];
  if (items.every((item) => flagsOf(from, item.state).includes("final")))
    return { kind: "finished" };

  const unmapped = distinct(
    items.filter((i) => !Object.hasOwn(stateMap, i.state)).map((i) => i.state),
  );
  if (unmapped.length > 0) return { kind: "blocked", reason: "unmapped-state", states: unmapped };
  if (state.header.invoiceRequestedAt !== null && state.header.invoice === null)
    return { kind: "blocked", reason: "command-pending", states: [] };

  const moved: Item[] = items.map((item) => ({
    ...item,
    state: stateMap[item.state] ?? item.state,
  }));
  const transient = distinct(moved.filter((i) => !restsIn(to, i)).map((i) => i.state));
  if (transient.length > 0)
    return { kind: "blocked", reason: "transient-target", states: transient };

  const change = emptyChange();
  change.header = { ...state.header, process: to.id };
  // Items keep their ids, quantities, shipments, context and `stateSince`: only the state
  // changes, and only where the map says so.
  change.items = moved;
  // Every item timer belongs to the old version (its id names it): all go, and the new
  // version's come in their place, due when the item's wait in its state ends. A deadline
  // already past fires at the next command or alarm, exactly once (its old timer is gone).
  for (const timer of state.timers.values())
    if (timer.itemId !== null) change.deletedTimers.push(timer.id);
  for (const item of moved)
    for (const timer of timersOfState(to, item.state))
      change.timers.push({
        id: itemTimerId(item.id, timer.id),
        itemId: item.id,
        event: timer.event,
        dueAt: item.stateSince + timer.delayMs,
      });

  const moves = new Map<string, StateMove>();
  for (const [i, item] of items.entries()) {
    const target = moved[i]?.state ?? item.state;
    const key = `${item.state}\u0000${target}`;
    const move = moves.get(key) ?? { from: item.state, to: target, items: 0, quantity: 0 };
    move.items += 1;
    move.quantity += item.quantity;
    moves.set(key, move);
  }
  const states = Object.fromEntries([...moves.values()].map((m) => [m.from, m.to]));
  change.history.push({
    at: now,
    actor: request.actor,
    type: "process-migrated",
    itemIds: items.map((i) => i.id),
    data: { migrationId: request.migrationId, from: from.id, to: to.id, states },
  });
  // The ERP has the order once it was exported: it hears of the move if the process says so.
  if (to.migration.notifyErp && state.header.exportedAt !== null)
    change.effects.push(
      erpEvent(state.header, now, "order.process-migrated", {
        migrationId: request.migrationId,
        from: from.id,
        to: to.id,
        states,
      }),
    );
  return { kind: "move", moves: [...moves.values()], change };
}

/**
 * The migration as an order command: it writes the move (unless `dryRun`) and tells what it
 * did. The order's version after it is the caller's to add (the order view has it).
 */
export function migrateCommand(
  request: MigrationRequest,
  dryRun: boolean,
): Command<{ migration: OrderMigration }> {
  return (state, _stepper, now) => {
    const plan = planMigration(state, request, now);
    const change = plan.kind === "move" && !dryRun ? plan.change : emptyChange();
    return {
      ok: true,
      change,
      extra: { migration: outcomeOf(plan, state.version + change.history.length) },
    };
  };
}

function outcomeOf(plan: MigrationPlan, version: number): OrderMigration {
  switch (plan.kind) {
    case "move":
      return { outcome: "moved", moves: plan.moves, version };
    case "finished":
      return { outcome: "finished" };
    case "other-process":
      return { outcome: "other-process", process: plan.process };
    case "blocked":
      return { outcome: "blocked", reason: plan.reason, states: plan.states };
  }
}

const distinct = (values: string[]) => [...new Set(values)];
