import type { OrderImportRow } from "../domain/import";
import type { Target } from "../domain/inputs";
import { type Failure, fail } from "../domain/result";
import { type Command, triggerEvent } from "./commands";
import type { Item, OrderState } from "./model";
import { acceptedEvents } from "./step";
import type { Stepper } from "./stepper";

/**
 * One row of a bulk status import as a command on its order: the event goes to the row's item,
 * the items of its SKU, or the whole order, like `orders.trigger`. A row the order's state does
 * not accept is refused alone (PRECONDITION_FAILED naming the states and what they accept), a
 * row that names what the order does not have is BAD_REQUEST, a row addressed by a custom
 * reference the order no longer has is NOT_FOUND (and changes nothing). Refusals are kept small: an
 * import remembers up to 10,000 of them.
 */
export function importRowCommand(row: OrderImportRow, actor: string): Command {
  return (state, stepper, now) => {
    // D1 found the order by this reference, and D1 lags behind the order: the order decides.
    if (
      row.customOrderReference !== undefined &&
      state.header.customOrderReference !== row.customOrderReference
    )
      return fail(
        "NOT_FOUND",
        "order.customOrderReference: the order no longer has this reference",
      );
    const target = rowTarget(state, stepper, row);
    if ("ok" in target) return target;
    const result = triggerEvent({ event: row.event, target }, actor)(state, stepper, now);
    if (result.ok) return { ok: true, change: result.change, extra: {} };
    // The engine's refusal lists up to 20 item ids per state; the import keeps states only.
    return result.details?.states ? skipped(state, stepper, row, target) : result;
  };
}

function rowTarget(state: OrderState, stepper: Stepper, row: OrderImportRow): Target | Failure {
  const { item, quantity, event } = row;
  if (!item) return { all: true };
  if ("id" in item) {
    const found = state.items.get(item.id);
    if (!found) return fail("BAD_REQUEST", `item.id: the order has no item ${item.id}`);
    const check = partOf(state, found, quantity ?? found.quantity);
    return check ?? { items: [{ id: found.id, quantity: quantity ?? found.quantity }] };
  }
  const ofSku = [...state.items.values()].filter(
    (i) => state.lines.get(i.lineId)?.sku === item.sku,
  );
  if (ofSku.length === 0)
    return fail("BAD_REQUEST", `item.sku: the order has no item of ${item.sku}`);
  if (quantity === undefined) return { items: ofSku.map((i) => ({ id: i.id })) };
  // A quantity of a SKU is taken from the items that accept the event, in item order.
  const accepting = ofSku.filter((i) => stepper.step(i, event) !== null);
  const available = accepting.reduce((n, i) => n + i.quantity, 0);
  if (available === 0) return { items: ofSku.map((i) => ({ id: i.id })) };
  const picked: { id: string; quantity: number }[] = [];
  let wanted = quantity;
  for (const i of accepting) {
    if (wanted === 0) break;
    const take = Math.min(wanted, i.quantity);
    if (take < i.quantity && !state.lines.get(i.lineId)?.isQuantitySplittable) continue;
    picked.push({ id: i.id, quantity: take });
    wanted -= take;
  }
  if (wanted > 0)
    return fail(
      "PRECONDITION_FAILED",
      `${available} unit(s) of ${item.sku} accept ${event}; the row asks for ${quantity}${
        available >= quantity ? " and the rest cannot be split off non-splittable items" : ""
      }`,
      { states: statesOf(stepper, ofSku) },
    );
  return { items: picked };
}

function partOf(state: OrderState, item: Item, quantity: number): Failure | null {
  if (quantity > item.quantity)
    return fail("BAD_REQUEST", `quantity: item ${item.id} has only ${item.quantity}`);
  if (quantity < item.quantity && !state.lines.get(item.lineId)?.isQuantitySplittable)
    return fail(
      "BAD_REQUEST",
      `quantity: item ${item.id} is not splittable; take all ${item.quantity} or none`,
    );
  return null;
}

/** Why no addressed item moved: each state the items are in and the events it accepts. */
function skipped(
  state: OrderState,
  stepper: Stepper,
  row: OrderImportRow,
  target: Target,
): Failure {
  const items =
    "items" in target
      ? target.items.flatMap((t) => state.items.get(t.id) ?? [])
      : [...state.items.values()];
  const states = statesOf(stepper, items);
  const text = states
    .map((s) => `${s.state} (accepts: ${s.accepts.join(", ") || "nothing"})`)
    .join("; ");
  return fail("PRECONDITION_FAILED", `no addressed item accepts ${row.event}: items in ${text}`, {
    states,
  });
}

type StateAccepts = { state: string; accepts: string[] };

function statesOf(stepper: Stepper, items: Item[]): StateAccepts[] {
  const byState = new Map<string, string[]>();
  for (const item of items)
    if (!byState.has(item.state))
      byState.set(
        item.state,
        acceptedEvents(stepper.process, { state: item.state, context: item.context }, true),
      );
  return [...byState].map(([state, accepts]) => ({ state, accepts }));
}
