import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef } from "react";
import { Link } from "wouter";
import type { OrderSummary } from "../api";
import { dateTime, money, plural, relative } from "../format";
import { StateCounts } from "./state-counts";

/** Above this many rows only the rows in view are rendered (a page of 1,000 stays quick). */
const VIRTUAL_ABOVE = 100;
const ROW_HEIGHT = 64;

/** A page of orders as a table, newest first; with `selectable`, each row has a checkbox. */
export function OrdersTable({
  orders,
  caption,
  display,
  now,
  selectable,
  isSelected,
  allOnPage,
  onToggle,
  onToggleAll,
}: {
  orders: OrderSummary[];
  caption: string;
  display: (state: string) => string;
  now: number | null;
  selectable: boolean;
  isSelected: (reference: string) => boolean;
  allOnPage: boolean;
  onToggle: (reference: string) => void;
  onToggleAll: () => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = orders.length > VIRTUAL_ABOVE;
  const virtualizer = useVirtualizer({
    count: orders.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    enabled: virtual,
  });
  const items = virtualizer.getVirtualItems();
  const rows = virtual
    ? items.flatMap((v) => {
        const order = orders[v.index];
        return order ? [{ index: v.index, order }] : [];
      })
    : orders.map((order, index) => ({ index, order }));
  const padTop = virtual ? (items[0]?.start ?? 0) : 0;
  const padBottom = virtual ? virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0) : 0;
  const columns = selectable ? 8 : 7;
  return (
    // Chromium and Firefox let the keyboard into a scrolling box without a tabindex.
    <div ref={scrollRef} className={virtual ? "table-scroll" : "table-wrap"}>
      <table className="orders" aria-rowcount={orders.length + 1}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col" className="pick">
                <input
                  type="checkbox"
                  aria-label={`Select all ${plural(orders.length, "order")} on this page`}
                  checked={allOnPage}
                  onChange={onToggleAll}
                />
              </th>
            )}
            <th scope="col">Order</th>
            <th scope="col">Custom reference</th>
            <th scope="col">Customer</th>
            <th scope="col">Placed</th>
            <th scope="col">State</th>
            <th scope="col">Units by state</th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.length === 0 && (
            <tr>
              <td colSpan={columns}>No orders match.</td>
            </tr>
          )}
          {padTop > 0 && (
            <tr>
              <td colSpan={columns} style={{ height: padTop, padding: 0 }} />
            </tr>
          )}
          {rows.map(({ index, order }) => (
            <OrderRow
              key={order.reference}
              index={index}
              order={order}
              display={display}
              now={now}
              selectable={selectable}
              selected={isSelected(order.reference)}
              onToggle={onToggle}
              measure={virtual ? virtualizer.measureElement : undefined}
            />
          ))}
          {padBottom > 0 && (
            <tr>
              <td colSpan={columns} style={{ height: padBottom, padding: 0 }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function OrderRow({
  index,
  order: o,
  display,
  now,
  selectable,
  selected,
  onToggle,
  measure,
}: {
  index: number;
  order: OrderSummary;
  display: (state: string) => string;
  now: number | null;
  selectable: boolean;
  selected: boolean;
  onToggle: (reference: string) => void;
  measure: ((element: Element | null) => void) | undefined;
}) {
  return (
    <tr ref={measure} data-index={index} aria-rowindex={index + 2}>
      {selectable && (
        <td className="pick">
          <input
            type="checkbox"
            aria-label={`Select ${o.reference}`}
            checked={selected}
            onChange={() => onToggle(o.reference)}
          />
        </td>
      )}
      <th scope="row">
        <Link href={`/orders/${o.reference}`}>{o.reference}</Link>
      </th>
      <td>{o.customOrderReference ?? "—"}</td>
      <td>
        {o.customer.name || o.customerReference}
        {o.customer.email && <div className="sub">{o.customer.email}</div>}
      </td>
      <td>
        {dateTime(o.placedAt)}
        {now !== null && <div className="sub">{relative(o.placedAt, now)}</div>}
      </td>
      <td>{display(o.state)}</td>
      <td>
        <StateCounts counts={o.itemStates} display={display} />
      </td>
      <td className="num">{money(o.grandTotal, o.currency)}</td>
    </tr>
  );
}
