import type { ProcessDefinition } from "../machines/registry";
import type { OrderState } from "./model";
import { flagsOf } from "./step";

/** Units of one SKU that the order holds in `reserved` states. */
export interface ReservedSku {
  sku: string;
  quantity: number;
}

/** Units that entered one state at the same moment and still wait there. */
export interface WaitingGroup {
  state: string;
  /** When they entered the state (ms). */
  since: number;
  quantity: number;
}

/**
 * What the order contributes to the service-wide figures the D1 read model keeps besides its
 * summary row: reserved units per SKU (the storefront's availability) and units waiting per
 * state and entry time (the order matrix). Items in `final` states wait for nothing and are
 * left out, so D1 holds rows for open work only.
 */
export interface ItemGroups {
  process: string;
  reserved: ReservedSku[];
  waiting: WaitingGroup[];
}

export function itemGroups(state: OrderState, process: ProcessDefinition): ItemGroups {
  const reserved = new Map<string, number>();
  const waiting = new Map<string, WaitingGroup>();
  for (const item of state.items.values()) {
    const flags = flagsOf(process, item.state);
    if (flags.includes("reserved")) {
      const sku = state.lines.get(item.lineId)?.sku;
      if (sku === undefined)
        throw new Error(`item ${item.id} refers to unknown line ${item.lineId}`);
      reserved.set(sku, (reserved.get(sku) ?? 0) + item.quantity);
    }
    if (flags.includes("final")) continue;
    const key = `${item.state}\u0000${item.stateSince}`;
    const group = waiting.get(key);
    if (group) group.quantity += item.quantity;
    else waiting.set(key, { state: item.state, since: item.stateSince, quantity: item.quantity });
  }
  return {
    process: state.header.process,
    reserved: [...reserved].map(([sku, quantity]) => ({ sku, quantity })),
    waiting: [...waiting.values()],
  };
}
