import type { Address, Method } from "../domain/inputs";
import { limits } from "../domain/limits";
import { type Failure, fail } from "../domain/result";
import type { ProcessDefinition } from "../machines/registry";
import { type Change, emptyChange, type Item, type OrderState, type Shipment } from "./model";
import { recordMoneyMoved } from "./money-moves";
import { checkGrowth } from "./refusals";
import { stateInfo } from "./step";
import { splitItem } from "./targets";

export interface ItemQuantity {
  id: string;
  quantity?: number | undefined;
}

/** The first item of a shipment that has shipped (or later): such a shipment is locked. */
function shippedItem(state: OrderState, process: ProcessDefinition, shipmentId: string) {
  for (const item of state.items.values())
    if (item.shipmentId === shipmentId && stateInfo(process, item.state)?.flags.includes("shipped"))
      return item;
  return undefined;
}

function locked(
  state: OrderState,
  process: ProcessDefinition,
  shipmentId: string,
  what: string,
): Failure | null {
  const item = shippedItem(state, process, shipmentId);
  return item
    ? fail(
        "PRECONDITION_FAILED",
        `${what}: shipment ${shipmentId} is locked, item ${item.id} is ${item.state}`,
        { shipmentId, itemId: item.id, state: item.state },
      )
    : null;
}

/**
 * Moves items (or quantities of splittable items) into a shipment. Items of a locked shipment
 * do not move; shipments left empty are deleted. Totals do not change.
 */
function move(
  state: OrderState,
  process: ProcessDefinition,
  change: Change,
  toShipmentId: string,
  wanted: ItemQuantity[],
): Failure | string[] {
  const seen = new Set<string>();
  const movedIds: string[] = [];
  const remaining = new Map<string, number>();
  for (const item of state.items.values())
    remaining.set(item.shipmentId, (remaining.get(item.shipmentId) ?? 0) + 1);
  let nextItemNo = change.header?.nextItemNo ?? state.header.nextItemNo;
  for (const [i, w] of wanted.entries()) {
    const item = state.items.get(w.id);
    const path = `items.${i}`;
    if (!item)
      return fail("BAD_REQUEST", `${path}.id: unknown item ${w.id}`, { path: ["items", i, "id"] });
    if (seen.has(item.id))
      return fail("BAD_REQUEST", `${path}.id: item ${item.id} is listed twice`, {
        path: ["items", i, "id"],
      });
    seen.add(item.id);
    if (item.shipmentId === toShipmentId)
      return fail("BAD_REQUEST", `${path}.id: item ${item.id} is already in ${toShipmentId}`, {
        path: ["items", i, "id"],
      });
    const lock = locked(state, process, item.shipmentId, `${path}.id`);
    if (lock) return lock;
    const quantity = w.quantity ?? item.quantity;
    const line = state.lines.get(item.lineId);
    if (quantity > item.quantity)
      return fail("BAD_REQUEST", `${path}.quantity: item ${item.id} has only ${item.quantity}`, {
        path: ["items", i, "quantity"],
      });
    let moving: Item = item;
    if (quantity < item.quantity) {
      if (!line?.isQuantitySplittable)
        return fail(
          "BAD_REQUEST",
          `${path}.quantity: item ${item.id} (${line?.sku}) is not splittable; move all ${item.quantity} or none`,
          { path: ["items", i, "quantity"] },
        );
      moving = splitItem(state, change, item, quantity, `I${nextItemNo++}`);
    } else {
      remaining.set(item.shipmentId, (remaining.get(item.shipmentId) ?? 1) - 1);
    }
    change.items.push({ ...moving, shipmentId: toShipmentId });
    movedIds.push(moving.id);
  }
  const header = { ...(change.header ?? state.header), nextItemNo };
  change.header = header;
  change.deletedShipments = [...remaining]
    .filter(([id, count]) => count === 0 && id !== toShipmentId)
    .map(([id]) => id);
  if (change.deletedShipments.length > 0) {
    // An emptied shipment's expense stays charged (edits never change totals) and follows the
    // items to their new shipment; earlier records that pointed at it follow along.
    const gone = new Set(change.deletedShipments);
    const kept = (header.removedShipments ?? []).map((r) =>
      gone.has(r.movedTo) ? { ...r, movedTo: toShipmentId } : r,
    );
    const added = change.deletedShipments.flatMap((id) => {
      const s = state.shipments.get(id);
      return s && s.expense !== 0 ? [{ ...s, movedTo: toShipmentId }] : [];
    });
    change.header = { ...header, removedShipments: [...kept, ...added] };
  }
  return movedIds;
}

export interface ShipmentDetails {
  address: Address;
  method: Method;
  requestedDeliveryDate?: string | undefined;
}

/** A new shipment (expense 0: the order's totals never change) holding the given items. */
export function createShipment(
  state: OrderState,
  process: ProcessDefinition,
  input: ShipmentDetails & { items: ItemQuantity[] },
  actor: string,
  now: number,
): Change | Failure {
  const change = emptyChange();
  const id = `S${state.header.nextShipmentNo}`;
  change.header = { ...state.header, nextShipmentNo: state.header.nextShipmentNo + 1 };
  const shipment: Shipment = {
    id,
    address: input.address,
    method: input.method,
    requestedDeliveryDate: input.requestedDeliveryDate ?? null,
    expense: 0,
    expenseByRate: [],
    tracking: null,
  };
  if (state.shipments.size >= limits.maxShipments)
    return fail(
      "PRECONDITION_FAILED",
      `the order has ${state.shipments.size} shipments; an order holds at most ${limits.maxShipments}`,
      { maxShipments: limits.maxShipments },
    );
  const moved = move(state, process, change, id, input.items);
  if (!Array.isArray(moved)) return moved;
  const tooLarge = checkGrowth(state, change, ["items"]);
  if (tooLarge) return tooLarge;
  change.shipments = [shipment];
  change.history.push({
    at: now,
    actor,
    type: "shipment",
    event: "shipment-created",
    itemIds: moved,
    data: { shipmentId: id, deletedShipments: change.deletedShipments ?? [] },
  });
  const refused = recordMoneyMoved(state, process, change, {
    actor,
    now,
    event: "shipment-created",
  });
  return refused ?? change;
}

/** Moves items into an existing shipment. */
export function moveItems(
  state: OrderState,
  process: ProcessDefinition,
  input: { toShipmentId: string; items: ItemQuantity[] },
  actor: string,
  now: number,
): Change | Failure {
  if (!state.shipments.has(input.toShipmentId))
    return fail("BAD_REQUEST", `toShipmentId: unknown shipment ${input.toShipmentId}`, {
      path: ["toShipmentId"],
    });
  const lock = locked(state, process, input.toShipmentId, "toShipmentId");
  if (lock) return lock;
  const change = emptyChange();
  const moved = move(state, process, change, input.toShipmentId, input.items);
  if (!Array.isArray(moved)) return moved;
  const tooLarge = checkGrowth(state, change, ["items"]);
  if (tooLarge) return tooLarge;
  change.history.push({
    at: now,
    actor,
    type: "shipment",
    event: "items-moved",
    itemIds: moved,
    data: { toShipmentId: input.toShipmentId, deletedShipments: change.deletedShipments ?? [] },
  });
  const refused = recordMoneyMoved(state, process, change, { actor, now, event: "items-moved" });
  return refused ?? change;
}

/** Changes a shipment's address, method or date while none of its items has shipped. */
export function updateShipment(
  state: OrderState,
  process: ProcessDefinition,
  input: { shipmentId: string } & Partial<ShipmentDetails> & {
      requestedDeliveryDate?: string | null;
    },
  actor: string,
  now: number,
): Change | Failure {
  const shipment = state.shipments.get(input.shipmentId);
  if (!shipment)
    return fail("BAD_REQUEST", `shipmentId: unknown shipment ${input.shipmentId}`, {
      path: ["shipmentId"],
    });
  const lock = locked(state, process, shipment.id, "shipmentId");
  if (lock) return lock;
  const updated: Shipment = {
    ...shipment,
    ...(input.address ? { address: input.address } : {}),
    ...(input.method ? { method: input.method } : {}),
    ...(input.requestedDeliveryDate !== undefined
      ? { requestedDeliveryDate: input.requestedDeliveryDate }
      : {}),
  };
  const change = emptyChange();
  change.shipments = [updated];
  change.history.push({
    at: now,
    actor,
    type: "shipment",
    event: "shipment-updated",
    itemIds: [],
    data: {
      shipmentId: shipment.id,
      changed: (["address", "method", "requestedDeliveryDate"] as const).filter(
        (k) => input[k] !== undefined,
      ),
    },
  });
  return change;
}

/** Records the ERP's tracking data on the shipments of the given items. */
export function setTracking(
  state: OrderState,
  change: Change,
  itemIds: string[],
  tracking: { trackingNumber?: string | undefined; carrier?: string | undefined },
) {
  const changed = new Map(change.items.map((i) => [i.id, i]));
  const shipmentIds = new Set(
    itemIds.map((id) => (changed.get(id) ?? state.items.get(id))?.shipmentId),
  );
  change.shipments = [...shipmentIds].flatMap((id) => {
    const shipment = id ? state.shipments.get(id) : undefined;
    return shipment
      ? [
          {
            ...shipment,
            tracking: {
              trackingNumber: tracking.trackingNumber ?? shipment.tracking?.trackingNumber ?? null,
              carrier: tracking.carrier ?? shipment.tracking?.carrier ?? null,
            },
          },
        ]
      : [];
  });
}
