import type { Change, Item, Line, OrderHeader, OrderState, Shipment } from "./model";

/**
 * The order as it was at a version (`orders.at`), from the version log: what each change did to
 * the header, lines, items and shipments, applied in order from the placement (or, for an order
 * older than the log, from the base row it got when the log began). Timers, the outbox and the
 * history are not part of it: a past version is looked at, never run.
 */
export interface VersionDelta {
  /** A base row: the whole order as it was (orders older than the log start with one). */
  base?: true;
  header?: OrderHeader;
  lines?: Line[];
  items?: Item[];
  deletedItems?: string[];
  shipments?: Shipment[];
  deletedShipments?: string[];
}

/** What a change does to the order's state; null when it touches none of it. */
export function deltaOf(change: Change): VersionDelta | null {
  const delta: VersionDelta = {};
  if (change.header) delta.header = change.header;
  if (change.lines?.length) delta.lines = change.lines;
  if (change.items.length) delta.items = change.items;
  if (change.deletedItems?.length) delta.deletedItems = change.deletedItems;
  if (change.shipments?.length) delta.shipments = change.shipments;
  if (change.deletedShipments?.length) delta.deletedShipments = change.deletedShipments;
  return Object.keys(delta).length > 0 ? delta : null;
}

/** The whole order as one delta: the base row of an order older than the log. */
export const baseOf = (state: OrderState): VersionDelta => ({
  base: true,
  header: state.header,
  lines: [...state.lines.values()],
  items: [...state.items.values()],
  shipments: [...state.shipments.values()],
});

/**
 * The order at `version` from the log's rows up to it, oldest first; null when the log does not
 * reach back that far (the order is older than the log and `version` before its base row).
 */
export function stateAt(
  rows: readonly { version: number; delta: VersionDelta }[],
  version: number,
): OrderState | null {
  const [first] = rows;
  // The log begins with a placement or a base row: either holds the header.
  if (!first?.delta.header || first.version > version) return null;
  const state: OrderState = {
    header: first.delta.header,
    version,
    lines: new Map(),
    items: new Map(),
    shipments: new Map(),
    timers: new Map(),
  };
  for (const { version: at, delta } of rows) {
    if (at > version) break;
    // A base row's first piece (it holds the header) starts the order afresh.
    if (delta.base) {
      state.lines.clear();
      state.items.clear();
      state.shipments.clear();
    }
    if (delta.header) state.header = delta.header;
    for (const line of delta.lines ?? []) state.lines.set(line.id, line);
    for (const id of delta.deletedItems ?? []) state.items.delete(id);
    for (const item of delta.items ?? []) state.items.set(item.id, item);
    for (const id of delta.deletedShipments ?? []) state.shipments.delete(id);
    for (const shipment of delta.shipments ?? []) state.shipments.set(shipment.id, shipment);
  }
  return state;
}
