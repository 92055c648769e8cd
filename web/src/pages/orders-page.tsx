import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "wouter";
import type { OrderSummary } from "../api";
import { BulkAction, type Selection } from "../components/bulk-action";
import { Alert } from "../components/notice";
import { OrdersTable } from "../components/orders-table";
import { describeError } from "../errors";
import { exportOrdersCsv, saveFile } from "../export-csv";
import { plural } from "../format";
import { useNames } from "../names";
import { AGES, FILTERS, type Filters, isAge, listFilter, readFilters } from "../order-filters";
import { useServiceClock } from "../service-clock";
import { useCanChange } from "../session";
import { useTRPC, useTRPCClient } from "../trpc";

/** Rows per page on offer: each one call of `orders.list` (it takes up to 1,000). */
const PAGE_SIZES = [20, 100, 1000] as const;
const API_PAGE = 1000;

export function OrdersPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const canChange = useCanChange();
  const clock = useServiceClock();
  const names = useNames();
  const [params, setParams] = useSearchParams();
  const applied = useMemo(() => readFilters(params), [params]);
  const size = PAGE_SIZES.find((s) => String(s) === params.get("show")) ?? PAGE_SIZES[0];
  const [draft, setDraft] = useState<Filters>(applied);
  // Pages already seen, so "Previous page" needs no cursor from the server.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  useEffect(() => {
    setDraft(applied);
    setCursors([undefined]);
    setSelected(new Set());
    setAllMatching(false);
  }, [applied]);

  // A matrix cell's age counts back from the service's time when the filter is applied.
  const waitsForClock = applied.age !== "" && !clock.known;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the time is read once per filter
  const filter = useMemo(() => listFilter(applied, clock.now()), [applied, clock.known]);
  const cursor = cursors.at(-1);
  const orders = useQuery({
    queryKey: [...trpc.orders.list.queryKey(filter), { size, cursor }],
    queryFn: async () => {
      const rows: OrderSummary[] = [];
      let next = cursor;
      do {
        const page = await client.orders.list.query({
          ...filter,
          limit: Math.min(API_PAGE, size - rows.length),
          ...(next ? { cursor: next } : {}),
        });
        rows.push(...page.orders);
        next = page.nextCursor ?? undefined;
      } while (next && rows.length < size);
      return { orders: rows, nextCursor: next ?? null };
    },
    enabled: !waitsForClock,
    placeholderData: keepPreviousData,
    // The list is read from D1, which follows every order within moments; a long page is
    // read again only when asked.
    refetchInterval: size <= 100 ? 5_000 : false,
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      const value = draft[key].trim();
      if (value) next.set(key, value);
    }
    if (size !== PAGE_SIZES[0]) next.set("show", String(size));
    setParams(next);
  }
  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));
  const showRows = (value: string) => {
    const next = new URLSearchParams(params);
    next.set("show", value);
    setParams(next);
  };

  const page = orders.data;
  const onPage = page?.orders ?? [];
  const allOnPage = onPage.length > 0 && onPage.every((o) => selected.has(o.reference));
  const selection: Selection | null = allMatching
    ? { kind: "all", filter }
    : selected.size > 0
      ? { kind: "some", references: [...selected] }
      : null;
  const toggle = (reference: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(reference)) next.delete(reference);
      else next.add(reference);
      setAllMatching(false);
      return next;
    });
  const now = clock.known ? clock.now() : null;

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
              {names.states.map((s) => (
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
      {isAge(applied.age) && applied.state && (
        <p className="notice ok">
          From the order matrix: orders with units in {names.display(applied.state)}
          {applied.process ? ` (${applied.process})` : ""} for {AGES[applied.age]}.{" "}
          <Link href="/matrix">Back to the matrix</Link>
        </p>
      )}

      <div className="toolbar">
        <label className="inline-label">
          Rows per page
          <select value={size} onChange={(e) => showRows(e.target.value)}>
            {PAGE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s.toLocaleString()}
              </option>
            ))}
          </select>
        </label>
        <ExportCsv
          run={(progress) => exportOrdersCsv(client, filter, names.display, progress)}
          name={`orders-${new Date(clock.now()).toISOString().slice(0, 10)}.csv`}
          disabled={waitsForClock}
        />
      </div>

      {orders.error && <Alert>{describeError(orders.error)}</Alert>}
      {(orders.isPending || waitsForClock) && <p role="status">Loading orders…</p>}
      {page && (
        <>
          {canChange && (
            <div className="selection">
              <span>
                {allMatching
                  ? "Every order matching the filter is selected."
                  : `${plural(selected.size, "order")} selected.`}
              </span>
              {allOnPage && page.nextCursor && !allMatching && (
                <button type="button" className="quiet" onClick={() => setAllMatching(true)}>
                  Select every order matching the filter
                </button>
              )}
              {(selected.size > 0 || allMatching) && (
                <button
                  type="button"
                  className="quiet"
                  onClick={() => {
                    setSelected(new Set());
                    setAllMatching(false);
                  }}
                >
                  Clear the selection
                </button>
              )}
            </div>
          )}
          <OrdersTable
            orders={onPage}
            caption={`Orders${applied.search ? ` matching “${applied.search}”` : ""}, newest first${cursors.length > 1 ? ` (page ${cursors.length})` : ""}`}
            display={names.display}
            now={now}
            selectable={canChange}
            isSelected={(reference) => allMatching || selected.has(reference)}
            allOnPage={allOnPage}
            onToggle={toggle}
            onToggleAll={() => {
              setAllMatching(false);
              setSelected(allOnPage ? new Set() : new Set(onPage.map((o) => o.reference)));
            }}
          />
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
          {canChange && selection && <BulkAction selection={selection} names={names} />}
        </>
      )}
    </>
  );
}

/** Writes every order of the filter into a CSV file, page by page, and hands it over. */
function ExportCsv({
  run,
  name,
  disabled,
}: {
  run: (progress: (orders: number) => void) => Promise<{ file: Blob; orders: number }>;
  name: string;
  disabled: boolean;
}) {
  const id = useId();
  const [state, setState] = useState<
    { kind: "idle" } | { kind: "running"; orders: number } | { kind: "done"; orders: number }
  >({ kind: "idle" });
  const [error, setError] = useState<unknown>(null);
  async function start() {
    setError(null);
    setState({ kind: "running", orders: 0 });
    try {
      const { file, orders } = await run((n) => setState({ kind: "running", orders: n }));
      saveFile(file, name);
      setState({ kind: "done", orders });
    } catch (e) {
      setError(e);
      setState({ kind: "idle" });
    }
  }
  return (
    <div className="export">
      <button
        type="button"
        className="quiet"
        aria-describedby={id}
        disabled={disabled || state.kind === "running"}
        onClick={start}
      >
        Export CSV
      </button>
      <span id={id} className="hint">
        every order matching the filter, all pages
      </span>
      {state.kind === "running" && (
        <span role="status">Exporting: {plural(state.orders, "order")} so far…</span>
      )}
      {state.kind === "done" && (
        <span role="status">
          Exported {plural(state.orders, "order")} to {name}.
        </span>
      )}
      {error ? <Alert>{describeError(error)}</Alert> : null}
    </div>
  );
}
