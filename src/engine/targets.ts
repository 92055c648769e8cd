import type { Target } from "../domain/inputs";
import { type Failure, fail } from "../domain/result";
import { type Change, type Item, itemTimerId, type OrderState } from "./model";

/**
 * Which items a command acts on: a target (all items, a shipment, or chosen items and
 * quantities) resolved to items and quantities, and the split that takes part of an item.
 */

export interface Selection {
  item: Item;
  quantity: number;
}

/** Resolves a target to items and quantities; an unknown id or an impossible split is BAD_REQUEST. */
export function selectTarget(state: OrderState, target: Target): Selection[] | Failure {
  if ("all" in target) return [...state.items.values()].map((item) => whole(item));
  if ("shipmentId" in target) {
    if (!state.shipments.has(target.shipmentId))
      return fail("BAD_REQUEST", `target.shipmentId: unknown shipment ${target.shipmentId}`, {
        path: ["target", "shipmentId"],
      });
    return [...state.items.values()]
      .filter((item) => item.shipmentId === target.shipmentId)
      .map((item) => whole(item));
  }
  const seen = new Set<string>();
  const selections: Selection[] = [];
  for (const [i, wanted] of target.items.entries()) {
    const item = state.items.get(wanted.id);
    const path = ["target", "items", i];
    if (!item)
      return fail("BAD_REQUEST", `target.items.${i}.id: unknown item ${wanted.id}`, {
        path: [...path, "id"],
      });
    if (seen.has(item.id))
      return fail("BAD_REQUEST", `target.items.${i}.id: item ${item.id} is listed twice`, {
        path: [...path, "id"],
      });
    seen.add(item.id);
    const quantity = wanted.quantity ?? item.quantity;
    if (quantity > item.quantity)
      return fail(
        "BAD_REQUEST",
        `target.items.${i}.quantity: item ${item.id} has only ${item.quantity}`,
        { path: [...path, "quantity"] },
      );
    const line = state.lines.get(item.lineId);
    if (quantity < item.quantity && !line?.isQuantitySplittable)
      return fail(
        "BAD_REQUEST",
        `target.items.${i}.quantity: item ${item.id} (${line?.sku}) is not splittable; take all ${item.quantity} or none`,
        { path: [...path, "quantity"] },
      );
    selections.push({ item, quantity });
  }
  return selections;
}

const whole = (item: Item): Selection => ({ item, quantity: item.quantity });

/**
 * Splits `quantity` off a splittable item as a new item `id` with the same line, state,
 * shipment and pending timers; the rest stays. Returns the new item (not yet in `change.items`).
 */
export function splitItem(
  state: OrderState,
  change: Change,
  item: Item,
  quantity: number,
  id: string,
): Item {
  change.items.push({ ...item, quantity: item.quantity - quantity });
  for (const timer of state.timers.values())
    if (timer.itemId === item.id)
      change.timers.push({
        ...timer,
        id: itemTimerId(id, timer.id.slice(item.id.length + 1)),
        itemId: id,
      });
  return { ...item, id, quantity };
}
