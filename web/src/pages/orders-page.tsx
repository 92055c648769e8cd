import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "wouter";
import type { ListInput } from "../api";
import { Alert } from "../components/notice";
import { StateCounts, useStateNames } from "../components/state-counts";
import { describeError } from "../errors";
import { dateTime, money } from "../format";
import { useTRPC } from "../trpc";

const FILTERS = [
  "search",
  "state",
  "customerReference",
  "customOrderReference",
  "placedFrom",
  "placedTo",
] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const PAGE_SIZE = 20;

/** A local calendar day as the UTC instant it starts (or ends) at. */
const dayStart = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const dayEnd = (day: string) => new Date(`${day}T23:59:59.999`).toISOString();

function listInput(f: Filters, cursor: string | undefined): ListInput {
  return {
    limit: PAGE_SIZE,
    ...(f.search ? { search: f.search } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.customerReference ? { customerReference: f.customerReference } : {}),
    ...(f.customOrderReference ? { customOrderReference: f.customOrderReference } : {}),
    ...(f.placedFrom ? { placedFrom: dayStart(f.placedFrom) } : {}),
    ...(f.placedTo ? { placedTo: dayEnd(f.placedTo) } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export function OrdersPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(
    () => Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""])) as Filters,
    [params],
  );
  const [draft, setDraft] = useState<Filters>(applied);
  // Pages already seen, so "Previous page" needs no cursor from the server.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => {
    setDraft(applied);
    setCursors([undefined]);
  }, [applied]);

  const cursor = cursors.at(-1);
  const orders = useQuery(
    trpc.orders.list.queryOptions(listInput(applied, cursor), {
      placeholderData: keepPreviousData,
      // The list is read from D1, which follows every order within moments.
      refetchInterval: 5_000,
    }),
  );
  const { states, display } = useStateNames();

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      const value = draft[key].trim();
      if (value) next.set(key, value);
    }
    setParams(next);
  }

  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));

  const page = orders.data;
  return (
    <>
      <h1>Orders</h1>
      <search aria-label="Find orders">
        <form className="filters" onSubmit={submit}>
          <label className="wide">
            Search
            <input
              type="search"
              value={draft.search}
              onChange={set("search")}
              placeholder="reference, custom reference, email, name or SKU"
            />
          </label>
          <label>
            State
            <select value={draft.state} onChange={set("state")}>
              <option value="">any</option>
              {states.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.display}
                </option>
              ))}
            </select>
          </label>
          <label>
            Customer reference
            <input value={draft.customerReference} onChange={set("customerReference")} />
          </label>
          <label>
            Custom reference (exact)
            <input value={draft.customOrderReference} onChange={set("customOrderReference")} />
          </label>
          <label>
            Placed from
            <input type="date" value={draft.placedFrom} onChange={set("placedFrom")} />
          </label>
          <label>
            Placed to
            <input type="date" value={draft.placedTo} onChange={set("placedTo")} />
          </label>
          <div className="actions">
            <button type="submit">Search</button>
            <button
              type="button"
              className="quiet"
              onClick={() => setParams(new URLSearchParams())}
            >
              Clear
            </button>
          </div>
        </form>
      </search>

      {orders.error && <Alert>{describeError(orders.error)}</Alert>}
      {orders.isPending && <p role="status">Loading orders…</p>}
      {page && (
        <>
          <table className="orders">
            <caption>
              Orders{applied.search ? ` matching “${applied.search}”` : ""}, newest first
              {cursors.length > 1 ? ` (page ${cursors.length})` : ""}
            </caption>
            <thead>
              <tr>
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
              {page.orders.length === 0 && (
                <tr>
                  <td colSpan={7}>No orders match.</td>
                </tr>
              )}
              {page.orders.map((o) => (
                <tr key={o.reference}>
                  <th scope="row">
                    <Link href={`/orders/${o.reference}`}>{o.reference}</Link>
                  </th>
                  <td>{o.customOrderReference ?? "—"}</td>
                  <td>
                    {o.customer.name || o.customerReference}
                    {o.customer.email && <div className="sub">{o.customer.email}</div>}
                  </td>
                  <td>{dateTime(o.placedAt)}</td>
                  <td>{display(o.state)}</td>
                  <td>
                    <StateCounts counts={o.itemStates} display={display} />
                  </td>
                  <td className="num">{money(o.grandTotal, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages" className="pager">
            <button
              type="button"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!page.nextCursor}
              onClick={() => setCursors((c) => [...c, page.nextCursor ?? undefined])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
