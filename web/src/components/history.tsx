import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "wouter";
import type { HistoryEntry, OrderView } from "../api";
import { dateTime, plural } from "../format";
import { useTRPC } from "../trpc";

const FIRST = 50;

function what(entry: HistoryEntry, display: (state: string) => string): string {
  const moved = entry.from && entry.to ? `: ${display(entry.from)} → ${display(entry.to)}` : "";
  switch (entry.type) {
    case "event":
      return `${entry.event}${moved}`;
    case "timer":
      return `timer ${entry.event ?? ""}${moved}`;
    case "command":
      return `command ${entry.event ?? ""}`;
    default:
      return `${entry.type.replace(/-/g, " ")}${entry.event ? ` ${entry.event}` : ""}${moved}`;
  }
}

function items(ids: string[]): string {
  if (ids.length === 0) return "";
  return ids.length <= 5 ? ids.join(", ") : plural(ids.length, "item");
}

/** The order's history, newest first: who did what to which items, and when. */
export function History({
  reference,
  view,
  display,
}: {
  reference: string;
  view: OrderView;
  display: (state: string) => string;
}) {
  const trpc = useTRPC();
  const titleId = useId();
  const [all, setAll] = useState(false);
  const history = useQuery(trpc.orders.history.queryOptions({ reference }));
  const entries = [...(history.data ?? [])].reverse();
  const shown = all ? entries : entries.slice(0, FIRST);
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>History</h2>
      {history.isPending && <p role="status">Loading the history…</p>}
      <ol className="timeline" reversed start={entries.length}>
        {shown.map((entry) => (
          <li key={entry.seq}>
            <time dateTime={entry.at}>{dateTime(entry.at)}</time>
            <span className="what">{what(entry, display)}</span>
            {entry.itemIds.length > 0 && <span className="sub">{items(entry.itemIds)}</span>}
            <span className="sub">by {entry.actor}</span>
            <Link className="sub" href={`/orders/${reference}/at/${entry.seq}`}>
              show the order as at this entry
            </Link>
            {entry.data && Object.keys(entry.data).length > 0 && (
              <span className="sub data">{summary(entry.data)}</span>
            )}
          </li>
        ))}
      </ol>
      {entries.length > shown.length && (
        <button type="button" className="quiet" onClick={() => setAll(true)}>
          Show all {plural(entries.length, "entry", "entries")} (version {view.version})
        </button>
      )}
    </section>
  );
}

/** Entry data as "key: value" pairs; nested values as compact text, cut short. */
function summary(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(([key, value]) => {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      return `${key}: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
    })
    .join(" · ");
}
