import type { CompactOutcome } from "../domain/idempotency";

/**
 * What an event did to the items it targeted: the items it moved (from, to, how many) and the
 * items it skipped (their state did not accept it), and the compact form an idempotency record
 * keeps of that (ids grouped by transition and by state), expanded back exactly for a replay.
 */

export interface Moved {
  itemId: string;
  from: string;
  to: string;
  quantity: number;
}
export interface Skipped {
  itemId: string;
  state: string;
  reason: string;
}

export function compactOutcome(event: string, moved: Moved[], skipped: Skipped[]): CompactOutcome {
  const byTransition = new Map<string, [string, string, [string, number][]]>();
  for (const m of moved) {
    const key = `${m.from}\u0000${m.to}`;
    let group = byTransition.get(key);
    if (!group) {
      group = [m.from, m.to, []];
      byTransition.set(key, group);
    }
    group[2].push([m.itemId, m.quantity]);
  }
  const byState = new Map<string, string[]>();
  for (const s of skipped) {
    const ids = byState.get(s.state) ?? [];
    ids.push(s.itemId);
    byState.set(s.state, ids);
  }
  return { event, moved: [...byTransition.values()], skipped: [...byState] };
}

export function expandOutcome(compact: CompactOutcome): { moved: Moved[]; skipped: Skipped[] } {
  return {
    moved: compact.moved.flatMap(([from, to, items]) =>
      items.map(([itemId, quantity]) => ({ itemId, from, to, quantity })),
    ),
    skipped: compact.skipped.flatMap(([state, ids]) =>
      ids.map((itemId) => ({ itemId, state, reason: skipReason(state, compact.event) })),
    ),
  };
}

/** Why a skipped item did not move. */
export const skipReason = (state: string, event: string) =>
  `state ${state} does not accept ${event}`;
