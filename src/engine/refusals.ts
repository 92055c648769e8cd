import { lineText } from "../domain/inputs";
import { limits } from "../domain/limits";
import { type Failure, fail } from "../domain/result";
import type { ProcessDefinition } from "../machines/registry";
import type { Change, Item, OrderState } from "./model";
import type { Skipped } from "./outcome";
import { acceptedEvents } from "./step";

/** Why a command changes nothing: no targeted item accepts its event, or the order would outgrow its limits. */

/** Describes why no targeted item accepts an event: each state with the events it accepts. */
export function rejection(
  state: OrderState,
  process: ProcessDefinition,
  event: string,
  skipped: Skipped[],
): Failure {
  const byState = new Map<string, string[]>();
  for (const s of skipped) {
    const ids = byState.get(s.state) ?? [];
    ids.push(s.itemId);
    byState.set(s.state, ids);
  }
  const states = [...byState].map(([name, itemIds]) => {
    const sample = state.items.get(itemIds[0] ?? "");
    const accepts = sample
      ? acceptedEvents(process, { state: sample.state, context: sample.context }, true)
      : [];
    return { state: name, itemIds: itemIds.slice(0, 20), items: itemIds.length, accepts };
  });
  const text = states
    .map((s) => `${s.items} item(s) in ${s.state} (accepts: ${s.accepts.join(", ") || "nothing"})`)
    .join("; ");
  return fail(
    "PRECONDITION_FAILED",
    `no targeted item accepts ${event}: ${text || "no items targeted"}`,
    {
      event,
      states,
    },
  );
}

/**
 * Refuses a change that would take the order past its item limits (items, and SKU and name
 * text shown per item): splits add items. `path` names the request field that asked for them.
 */
export function checkGrowth(
  state: OrderState,
  change: Change,
  path: (string | number)[],
): Failure | null {
  const added = change.items.filter((i) => !state.items.has(i.id));
  if (added.length === 0) return null;
  const items = state.items.size + added.length;
  if (items > limits.maxItems)
    return fail(
      "BAD_REQUEST",
      `${path.join(".")}: splitting would make ${items} items; an order holds at most ${limits.maxItems}`,
      { path, items, maxItems: limits.maxItems },
    );
  const textOf = (item: Item) => {
    const line = state.lines.get(item.lineId);
    return line ? lineText(line) : 0;
  };
  let text = 0;
  for (const item of state.items.values()) text += textOf(item);
  for (const item of added) text += textOf(item);
  if (text > limits.maxItemText)
    return fail(
      "BAD_REQUEST",
      `${path.join(".")}: splitting would make the items carry ${text} characters of SKU and name; an order holds at most ${limits.maxItemText}`,
      { path, itemText: text, maxItemText: limits.maxItemText },
    );
  return null;
}
