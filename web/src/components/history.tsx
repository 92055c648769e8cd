import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Link } from "wouter";
import type { NoteEntry, OrderView, TimelineEntry } from "../api";
import { describeError } from "../errors";
import { actorText, dateTime, plural, relative } from "../format";
import { sentence } from "../history-text";
import type { Names } from "../names";
import { useServiceClock } from "../service-clock";
import { useTRPC } from "../trpc";
import { Alert } from "./notice";

const FIRST = 50;
const MAX_NOTE = 2_000;

const isNote = (entry: TimelineEntry): entry is NoteEntry => entry.type === "note";

/**
 * The order's history, newest first, as sentences: who did what to which items and to the
 * money, and when; staff's internal notes among them, by time (never shown to the customer).
 */
export function History({
  reference,
  view,
  names,
}: {
  reference: string;
  view: OrderView;
  names: Names;
}) {
  const trpc = useTRPC();
  const titleId = useId();
  const clock = useServiceClock();
  const [all, setAll] = useState(false);
  const history = useQuery(trpc.orders.history.queryOptions({ reference }));
  const entries = [...(history.data ?? [])].reverse();
  const shown = all ? entries : entries.slice(0, FIRST);
  const now = clock.now();
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>History</h2>
      <NoteForm reference={reference} />
      {history.isPending && <p role="status">Loading the history…</p>}
      {history.error && <Alert>{describeError(history.error)}</Alert>}
      <ol className="timeline">
        {shown.map((entry) => (
          <li key={isNote(entry) ? `note-${entry.id}` : entry.seq} className={entry.type}>
            <time dateTime={entry.at} title={clock.known ? relative(entry.at, now) : undefined}>
              {dateTime(entry.at)}
            </time>
            {isNote(entry) ? (
              <div className="what">
                <strong>Note by {actorText(entry.actor)}:</strong>{" "}
                <span className="note-text">{entry.text}</span>
              </div>
            ) : (
              <div className="what">
                {sentence(entry, names, view.currency)}{" "}
                <Link className="sub" href={`/orders/${reference}/at/${entry.seq}`}>
                  show the order as at this entry
                </Link>
              </div>
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

/** An internal note for staff (back office and support); the customer never sees it. */
function NoteForm({ reference }: { reference: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const add = useMutation(
    trpc.orders.addNote.mutationOptions({
      onSuccess: async () => {
        setText("");
        await queryClient.invalidateQueries({
          queryKey: trpc.orders.history.queryKey({ reference }),
        });
      },
    }),
  );
  const length = [...text.trim()].length;
  function submit(event: FormEvent) {
    event.preventDefault();
    if (length > 0 && length <= MAX_NOTE) add.mutate({ reference, text });
  }
  return (
    <form className="note-form" onSubmit={submit}>
      <label>
        Internal note (staff only, never shown to the customer)
        <textarea
          value={text}
          rows={2}
          onChange={(e) => setText(e.target.value)}
          aria-describedby={`${reference}-note-count`}
        />
      </label>
      <div className="actions">
        <button type="submit" disabled={add.isPending || length === 0 || length > MAX_NOTE}>
          Add note
        </button>
        <span id={`${reference}-note-count`} className="hint">
          {length.toLocaleString()} of {MAX_NOTE.toLocaleString()} characters
        </span>
      </div>
      {add.error && <Alert>{describeError(add.error)}</Alert>}
    </form>
  );
}
