import type { HistoryView } from "../domain/history";
import type { ProcessDefinition } from "../machines/registry";
import type { ItemSnapshot } from "./step";
import { step, timersOfState } from "./step";

/**
 * Replaying an order's recorded history on another process version (`replay` in
 * `edge-oms/testing`): every item event and timer the order recorded is stepped through `process`
 * from the states the placement put the items in, and every place where the new version would
 * have behaved otherwise is reported. The recorded path is followed on: one divergence does not
 * hide the next.
 */

export interface Divergence {
  /** The history entry (its seq) where it shows. */
  seq: number;
  at: string;
  itemId: string;
  /** The recorded event (a timer's as the new version names it, when it has one). */
  event: string;
  /**
   * `refused`: the new version does not accept the event in the item's state. `state`: it
   * accepts it but ends elsewhere. `timer`: a timer the new version would fire at another
   * moment, or not at all, or one it has that would have fired before what was recorded.
   */
  kind: "refused" | "state" | "timer";
  /** What the order recorded and what the new version does, in words. */
  recorded: string;
  replayed: string;
}

export interface ReplayReport {
  process: string;
  /** Item events and timers stepped. */
  steps: number;
  divergences: Divergence[];
  /** Each item's state at the end of the replay. */
  items: Record<string, string>;
}

interface Replayed extends ItemSnapshot {
  since: number;
}

const AFTER = /^xstate\.after\.([^.]+)\./;

/** Steps `history` (oldest first, as `orders.history` answers it) through `process`. */
export function replayHistory(
  history: readonly HistoryView[],
  process: ProcessDefinition,
): ReplayReport {
  const items = new Map<string, Replayed>();
  const divergences: Divergence[] = [];
  /** Early timers already told, per item and wait (one report, however many events follow). */
  const early = new Set<string>();
  let steps = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const known = (state: string) => Object.hasOwn(process.machine.root.states, state);

  for (const entry of history) {
    const at = Date.parse(entry.at);
    if (entry.type === "placed") {
      for (const id of entry.itemIds)
        items.set(id, { state: entry.to ?? "", context: { windowClosed: false }, since: at });
      continue;
    }
    if (entry.type === "process-migrated") continue;
    const recorded = entry.event;
    if (recorded === undefined || (entry.type !== "event" && entry.type !== "timer")) continue;
    for (const itemId of entry.itemIds) {
      // An item split off in this step starts where its recorded part was.
      const item = items.get(itemId) ?? {
        state: entry.from ?? "",
        context: { windowClosed: false },
        since: at,
      };
      const diverge = (kind: Divergence["kind"], event: string, was: string, is: string) =>
        divergences.push({
          seq: entry.seq,
          at: entry.at,
          itemId,
          event,
          kind,
          recorded: was,
          replayed: is,
        });
      steps += 1;

      if (!known(item.state)) {
        diverge(
          "refused",
          recorded,
          `${item.state} -> ${entry.to}`,
          `${process.id} has no state ${item.state}`,
        );
        items.set(itemId, { ...item, state: entry.to ?? item.state, since: at });
        continue;
      }
      let event = recorded;
      const delay = AFTER.exec(recorded)?.[1];
      if (entry.type === "timer" && delay !== undefined) {
        const own = timersOfState(process, item.state).find(
          (t) => AFTER.exec(t.event)?.[1] === delay,
        );
        if (!own) {
          diverge(
            "timer",
            recorded,
            `${delay} fired at ${entry.at}`,
            `${item.state} has no ${delay} timer`,
          );
          items.set(itemId, { ...item, state: entry.to ?? item.state, since: at });
          continue;
        }
        event = own.event;
        const due = item.since + own.delayMs;
        if (due !== at)
          diverge(
            "timer",
            event,
            `${delay} fired at ${entry.at}`,
            `${delay} would fire at ${iso(due)}`,
          );
      } else {
        // A timer of the new version that would have fired before this recorded event.
        for (const t of known(item.state) ? timersOfState(process, item.state) : []) {
          const key = `${itemId}\u0000${t.event}\u0000${item.since}`;
          if (item.since + t.delayMs >= at || early.has(key)) continue;
          early.add(key);
          diverge(
            "timer",
            t.event,
            `${recorded} at ${entry.at}`,
            `${t.event} would have fired at ${iso(item.since + t.delayMs)}`,
          );
        }
      }

      const result = step(process, item, event);
      const recordedTo = entry.to ?? item.state;
      if (!result) {
        diverge(
          "refused",
          event,
          `${item.state} -> ${recordedTo}`,
          `${item.state} refuses ${event}`,
        );
        items.set(itemId, {
          ...item,
          state: recordedTo,
          since: recordedTo === item.state ? item.since : at,
        });
        continue;
      }
      if (result.snapshot.state !== recordedTo)
        diverge(
          "state",
          event,
          `${item.state} -> ${recordedTo}`,
          `${item.state} -> ${result.snapshot.state}`,
        );
      // Follow the recorded path, with the context the new version keeps.
      items.set(itemId, {
        state: recordedTo,
        context: result.snapshot.context,
        since: recordedTo === item.state ? item.since : at,
      });
    }
  }
  return {
    process: process.id,
    steps,
    divergences,
    items: Object.fromEntries([...items].map(([id, item]) => [id, item.state])),
  };
}
