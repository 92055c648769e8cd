import { useVirtualizer } from "@tanstack/react-virtual";
import { useDeferredValue, useId, useMemo, useRef, useState } from "react";
import type { ItemView, ManualEvent, OrderView, ShipmentView } from "../api";
import { duration, money, plural } from "../format";
import type { Names } from "../names";
import type { OrderActions } from "../order-actions";
import { useServiceClock } from "../service-clock";
import { useCanChange } from "../session";
import { BulkEvents } from "./bulk-events";
import { EventButton } from "./event-button";
import { AddressLines } from "./order-section";
import { EditShipmentDialog, MoveDialog } from "./shipment-dialogs";

const isShipped = (item: ItemView) => item.flags.includes("shipped");
/** A final item (cancelled, refunded, closed …) takes no events and moves nowhere. */
const isFinal = (item: ItemView) => item.flags.includes("final");

/** One shipment: where and how it goes, what is in it, and what can happen to it. */
export function ShipmentSection({
  view,
  shipment,
  items,
  events,
  actions,
  names,
}: {
  view: OrderView;
  shipment: ShipmentView;
  items: ItemView[];
  events: Map<string, ManualEvent[]>;
  actions: OrderActions;
  names: Names;
}) {
  const canChange = useCanChange();
  const titleId = useId();
  const [editing, setEditing] = useState(false);
  const locked = items.some(isShipped);
  const shipmentEvents = useMemo(() => {
    const all = new Set<ManualEvent>();
    for (const item of items) for (const e of events.get(item.id) ?? []) all.add(e);
    return [...all];
  }, [items, events]);
  const { method } = shipment;
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>Shipment {shipment.id}</h2>
      <div className="columns">
        <div>
          <h3>Address</h3>
          <AddressLines address={shipment.address} />
        </div>
        <div>
          <h3>Method</h3>
          <p>
            {method.name}
            {method.carrier ? ` (${method.carrier})` : ""} · {money(method.price, view.currency)}
            <br />
            Shipping expense: {money(shipment.expense, view.currency)}
            <br />
            Requested delivery: {shipment.requestedDeliveryDate ?? "any day"}
            {shipment.tracking?.trackingNumber && (
              <>
                <br />
                Tracking: {shipment.tracking.carrier ?? ""} {shipment.tracking.trackingNumber}
              </>
            )}
          </p>
        </div>
        <div>
          <h3>Changes</h3>
          {!canChange ? (
            <p className="hint">Read only: your role changes nothing.</p>
          ) : locked ? (
            <p className="hint">
              Items of this shipment have shipped: its address, method and items can no longer
              change.
            </p>
          ) : (
            <button type="button" disabled={actions.busy} onClick={() => setEditing(true)}>
              Edit shipment {shipment.id}
            </button>
          )}
        </div>
      </div>
      {canChange && (
        <>
          <h3>Events for this shipment</h3>
          <BulkEvents
            view={view}
            events={shipmentEvents}
            target={{ shipmentId: shipment.id }}
            scope={`items of shipment ${shipment.id}`}
            actions={actions}
            names={names}
          />
        </>
      )}
      <ItemTable
        view={view}
        shipment={shipment}
        items={items}
        events={events}
        actions={actions}
        names={names}
        canChange={canChange}
      />
      {editing && (
        <EditShipmentDialog
          view={view}
          shipment={shipment}
          actions={actions}
          onClose={() => setEditing(false)}
        />
      )}
    </section>
  );
}

/** Rows kept in the page at once; above this the table renders only what is in view. */
const VIRTUAL_ABOVE = 100;
const ROW_HEIGHT = 44;

function ItemTable({
  view,
  shipment,
  items,
  events,
  actions,
  names,
  canChange,
}: {
  view: OrderView;
  shipment: ShipmentView;
  items: ItemView[];
  events: Map<string, ManualEvent[]>;
  actions: OrderActions;
  names: Names;
  canChange: boolean;
}) {
  const clock = useServiceClock();
  const now = clock.known ? clock.now() : null;
  const [filter, setFilter] = useState("");
  const deferredFilter = useDeferredValue(filter);
  const shown = useMemo(() => {
    const needle = deferredFilter.trim().toLowerCase();
    if (!needle) return items;
    return items.filter(
      (i) =>
        i.sku.toLowerCase().includes(needle) ||
        i.name.toLowerCase().includes(needle) ||
        i.stateDisplay.toLowerCase().includes(needle) ||
        i.id.toLowerCase() === needle,
    );
  }, [items, deferredFilter]);
  const [moving, setMoving] = useState<ItemView | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = shown.length > VIRTUAL_ABOVE;
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    enabled: virtual,
  });
  const rows = virtual
    ? virtualizer
        .getVirtualItems()
        .map((v) => ({ index: v.index, item: shown[v.index] as ItemView }))
    : shown.map((item, index) => ({ index, item }));
  const padTop = virtual ? (virtualizer.getVirtualItems()[0]?.start ?? 0) : 0;
  const padBottom = virtual
    ? virtualizer.getTotalSize() - (virtualizer.getVirtualItems().at(-1)?.end ?? 0)
    : 0;

  return (
    <>
      {items.length > 20 && (
        <label className="filter">
          Find items in shipment {shipment.id}
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="SKU, name or state"
          />
        </label>
      )}
      {/* Chromium and Firefox let the keyboard into a scrolling box without a tabindex. */}
      <div ref={scrollRef} className={virtual ? "table-scroll" : "table-wrap"}>
        <table className="items" aria-rowcount={shown.length + 1}>
          <caption>
            {plural(shown.length, "item")} in shipment {shipment.id}
            {shown.length !== items.length ? ` (of ${items.length})` : ""}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Item</th>
              <th scope="col">SKU</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Unit price
              </th>
              <th scope="col" className="num">
                Refunded
              </th>
              <th scope="col">State</th>
              <th scope="col">Flags</th>
              {canChange && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr>
                <td colSpan={9} style={{ height: padTop, padding: 0 }} />
              </tr>
            )}
            {rows.map(({ index, item }) => (
              <ItemRow
                key={item.id}
                index={index}
                item={item}
                currency={view.currency}
                events={events.get(item.id) ?? []}
                names={names}
                now={now}
                canChange={canChange}
                busy={actions.busy}
                onEvent={(event, quantity) =>
                  actions.trigger(view, {
                    event,
                    target: { items: [{ id: item.id, ...(quantity ? { quantity } : {}) }] },
                  })
                }
                onMove={() => setMoving(item)}
                measure={virtual ? virtualizer.measureElement : undefined}
              />
            ))}
            {padBottom > 0 && (
              <tr>
                <td colSpan={9} style={{ height: padBottom, padding: 0 }} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {moving && (
        <MoveDialog
          view={view}
          item={moving}
          from={shipment}
          actions={actions}
          onClose={() => setMoving(null)}
        />
      )}
    </>
  );
}

function ItemRow({
  index,
  item,
  currency,
  events,
  names,
  now,
  canChange,
  busy,
  onEvent,
  onMove,
  measure,
}: {
  index: number;
  item: ItemView;
  currency: string;
  events: ManualEvent[];
  names: Names;
  /** The service's time, for how long the item has been in its state; null until known. */
  now: number | null;
  canChange: boolean;
  busy: boolean;
  onEvent: (event: ManualEvent, quantity: number | undefined) => void;
  onMove: () => void;
  measure: ((element: Element | null) => void) | undefined;
}) {
  const final = isFinal(item);
  const offered = final ? [] : events;
  const partial = item.isQuantitySplittable && item.quantity > 1;
  const [quantity, setQuantity] = useState(item.quantity);
  const valid = Number.isInteger(quantity) && quantity >= 1 && quantity <= item.quantity;
  const chosen = partial && valid && quantity < item.quantity ? quantity : undefined;
  return (
    <tr ref={measure} data-index={index} aria-rowindex={index + 2}>
      <td>{item.id}</td>
      <td>{item.sku}</td>
      <td>{item.name}</td>
      <td className="num">{item.quantity.toLocaleString()}</td>
      <td className="num">{money(item.unitPrice, currency)}</td>
      <td className="num">
        {item.refundedAmount > 0 ? money(item.refundedAmount, currency) : "—"}
      </td>
      <td>
        {item.stateDisplay}
        {now !== null && !final && (
          <span className="sub"> · {duration(now - Date.parse(item.stateSince))}</span>
        )}
      </td>
      <td className="flags">{item.flags.join(", ")}</td>
      {canChange && (
        <td>
          <div className="row-actions">
            {partial && offered.length > 0 && (
              <label className="qty-label">
                Quantity
                <input
                  type="number"
                  className="qty"
                  aria-label={`Quantity of ${item.id} for an event`}
                  min={1}
                  max={item.quantity}
                  value={quantity}
                  onChange={(e) => setQuantity(e.target.valueAsNumber)}
                />
              </label>
            )}
            {offered.map((event) => (
              <EventButton
                key={event}
                event={event}
                label={names.label(event)}
                suffix={chosen ? `${chosen} of ${item.id}` : item.id}
                disabled={busy || (partial && !valid)}
                onClick={() => onEvent(event, chosen)}
              />
            ))}
            {!isShipped(item) && !final && (
              <button type="button" className="quiet" disabled={busy} onClick={onMove}>
                Move…<span className="sr-only"> {item.id}</span>
              </button>
            )}
          </div>
        </td>
      )}
    </tr>
  );
}
