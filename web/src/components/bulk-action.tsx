import { useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import type { ListInput, ManualEvent, OrderClient } from "../api";
import { runBounded } from "../bounded";
import { currentVersionOf, describeError } from "../errors";
import { plural } from "../format";
import type { Names } from "../names";
import { useTRPC, useTRPCClient } from "../trpc";
import { Alert } from "./notice";

/** Orders asked at once: the service takes many, the browser and the page stay responsive. */
const CONCURRENCY = 4;

/** What the operator chose: orders on the page, or every order the filter matches. */
export type Selection =
  | { kind: "some"; references: string[] }
  | { kind: "all"; filter: Omit<ListInput, "cursor" | "limit"> };

interface Planned {
  reference: string;
  /** The version the dry run saw: applying sends it as `expectedVersion`. */
  version: number | null;
  /** What would move ("2 items (4 units): paid → confirmed"), or null when nothing would. */
  moves: string | null;
  /** Items the event would skip and why; or why the order takes none of it. */
  note: string | null;
}

interface Outcome {
  reference: string;
  ok: boolean;
  text: string;
}

type Stage =
  | { kind: "choose" }
  | { kind: "finding"; found: number }
  | { kind: "previewing"; done: number; of: number }
  | { kind: "preview"; event: ManualEvent; planned: Planned[] }
  | { kind: "applying"; event: ManualEvent; done: number; of: number; outcomes: Outcome[] }
  | { kind: "report"; event: ManualEvent; outcomes: Outcome[] };

async function referencesOf(
  client: OrderClient,
  filter: Omit<ListInput, "cursor" | "limit">,
  found: (n: number) => void,
): Promise<string[]> {
  const references: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.orders.list.query({
      ...filter,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    references.push(...page.orders.map((o) => o.reference));
    found(references.length);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return references;
}

/** Why an order refused the event, for the report. */
function refusal(error: unknown): string {
  const current = currentVersionOf(error);
  return current === undefined
    ? describeError(error)
    : `it changed after the dry run (it is at version ${current} now); nothing was done to it`;
}

/**
 * An event for many orders at once, as a shop's order team works: pick the event, see per order
 * what its dry run would move (and what it would skip, and why), then apply it to each order at
 * the version the dry run saw. Orders run side by side, a few at a time; one refused order (it
 * changed meanwhile, or no longer accepts the event) never holds back the others, and the report
 * says per order what happened.
 */
export function BulkAction({ selection, names }: { selection: Selection; names: Names }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const titleId = useId();
  const [event, setEvent] = useState<string>(names.events[0]?.name ?? "");
  const [stage, setStage] = useState<Stage>({ kind: "choose" });
  const [error, setError] = useState<unknown>(null);
  const run = useRef(0);
  const busy = stage.kind === "finding" || stage.kind === "previewing" || stage.kind === "applying";
  const count =
    selection.kind === "some" ? plural(selection.references.length, "order") : "every order";
  const chosen = (event || names.events[0]?.name || "") as ManualEvent;

  async function preview() {
    setError(null);
    const id = ++run.current;
    try {
      if (selection.kind === "all") setStage({ kind: "finding", found: 0 });
      const references =
        selection.kind === "some"
          ? selection.references
          : await referencesOf(client, selection.filter, (found) =>
              setStage({ kind: "finding", found }),
            );
      let done = 0;
      setStage({ kind: "previewing", done, of: references.length });
      const outcomes = await runBounded(
        references,
        CONCURRENCY,
        (reference) =>
          client.orders.trigger.mutate({
            reference,
            event: chosen,
            target: { all: true },
            dryRun: true,
          }),
        () => setStage({ kind: "previewing", done: ++done, of: references.length }),
      );
      if (id !== run.current) return;
      const planned = references.map((reference, i): Planned => {
        const outcome = outcomes[i];
        if (outcome?.status !== "fulfilled")
          return { reference, version: null, moves: null, note: describeError(outcome?.reason) };
        const { order, moved, skipped } = outcome.value;
        const units = moved.reduce((n, m) => n + m.quantity, 0);
        const paths = [
          ...new Set(moved.map((m) => `${names.display(m.from)} → ${names.display(m.to)}`)),
        ];
        return {
          reference,
          version: order.version,
          moves: moved.length
            ? `${plural(moved.length, "item")} (${plural(units, "unit")}): ${paths.join(", ")}`
            : null,
          note: skipped.length
            ? `${plural(skipped.length, "item")} skipped: ${[...new Set(skipped.map((s) => names.display(s.state)))].join(", ")}`
            : null,
        };
      });
      setStage({ kind: "preview", event: chosen, planned });
    } catch (e) {
      if (id !== run.current) return;
      setError(e);
      setStage({ kind: "choose" });
    }
  }

  async function apply(planned: Planned[], applied: ManualEvent) {
    const id = ++run.current;
    const todo = planned.filter((p) => p.moves !== null && p.version !== null);
    const outcomes: Outcome[] = [];
    setStage({ kind: "applying", event: applied, done: 0, of: todo.length, outcomes });
    await runBounded(
      todo,
      CONCURRENCY,
      (p) =>
        client.orders.trigger.mutate({
          reference: p.reference,
          event: applied,
          target: { all: true },
          expectedVersion: p.version ?? undefined,
          idempotencyKey: `bulk-${id}-${Date.now().toString(36)}-${p.reference}`,
        }),
      (p, outcome) => {
        outcomes.push(
          outcome.status === "fulfilled"
            ? {
                reference: p.reference,
                ok: true,
                text: `${plural(outcome.value.moved.length, "item")} moved (now version ${outcome.value.order.version})`,
              }
            : { reference: p.reference, ok: false, text: refusal(outcome.reason) },
        );
        setStage({
          kind: "applying",
          event: applied,
          done: outcomes.length,
          of: todo.length,
          outcomes: [...outcomes],
        });
      },
    );
    const order = new Map(todo.map((p, i) => [p.reference, i]));
    outcomes.sort((a, b) => (order.get(a.reference) ?? 0) - (order.get(b.reference) ?? 0));
    setStage({ kind: "report", event: applied, outcomes });
    await queryClient.invalidateQueries({ queryKey: trpc.orders.pathKey() });
  }

  return (
    <section aria-labelledby={titleId} className="panel bulk">
      <h2 id={titleId}>Bulk action</h2>
      <div className="inline">
        <label>
          Event for {count}
          <select value={chosen} disabled={busy} onChange={(e) => setEvent(e.target.value)}>
            {names.events.map((e) => (
              <option key={e.name} value={e.name}>
                {e.label} ({e.name})
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={busy || !chosen} onClick={preview}>
          Preview
        </button>
      </div>
      {error ? <Alert>{describeError(error)}</Alert> : null}
      {stage.kind === "finding" && (
        <p role="status">Finding the orders: {stage.found.toLocaleString()} so far…</p>
      )}
      {stage.kind === "previewing" && <Progress label="Dry run" done={stage.done} of={stage.of} />}
      {stage.kind === "preview" && (
        <Preview
          stage={stage}
          names={names}
          onApply={() => apply(stage.planned, stage.event)}
          onDiscard={() => setStage({ kind: "choose" })}
        />
      )}
      {stage.kind === "applying" && <Progress label="Applying" done={stage.done} of={stage.of} />}
      {stage.kind === "report" && <Report stage={stage} names={names} />}
    </section>
  );
}

function Progress({ label, done, of }: { label: string; done: number; of: number }) {
  return (
    <p className="progress">
      <progress aria-label={label} value={done} max={Math.max(of, 1)} />{" "}
      <span role="status">
        {label}: {done.toLocaleString()} of {plural(of, "order")}
      </span>
    </p>
  );
}

function Preview({
  stage,
  names,
  onApply,
  onDiscard,
}: {
  stage: Extract<Stage, { kind: "preview" }>;
  names: Names;
  onApply: () => void;
  onDiscard: () => void;
}) {
  const moving = stage.planned.filter((p) => p.moves !== null);
  const still = stage.planned.length - moving.length;
  const label = names.label(stage.event);
  return (
    <>
      <p role="status">
        Dry run of “{label}”: {plural(moving.length, "order")} would change
        {still ? `, ${plural(still, "order")} would not` : ""}. Nothing has changed yet.
      </p>
      <div className="table-wrap report">
        <table aria-label={`Dry run of ${label}`}>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Would move</th>
              <th scope="col">Skipped, or why not</th>
            </tr>
          </thead>
          <tbody>
            {stage.planned.map((p) => (
              <tr key={p.reference}>
                <th scope="row">{p.reference}</th>
                <td>{p.moves ?? "nothing"}</td>
                <td>{p.note ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions">
        <button type="button" disabled={moving.length === 0} onClick={onApply}>
          Apply “{label}” to {plural(moving.length, "order")}
        </button>
        <button type="button" className="quiet" onClick={onDiscard}>
          Discard
        </button>
      </div>
    </>
  );
}

function Report({ stage, names }: { stage: Extract<Stage, { kind: "report" }>; names: Names }) {
  const applied = stage.outcomes.filter((o) => o.ok).length;
  const refused = stage.outcomes.length - applied;
  const label = names.label(stage.event);
  return (
    <>
      <p role="status">
        “{label}” applied to {plural(applied, "order")}
        {refused ? `; ${plural(refused, "order")} refused it` : ""}.
      </p>
      <div className="table-wrap report">
        <table aria-label={`Result of ${label}`}>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {stage.outcomes.map((o) => (
              <tr key={o.reference} className={o.ok ? undefined : "refused"}>
                <th scope="row">{o.reference}</th>
                <td>{o.ok ? `Applied: ${o.text}` : `Refused: ${o.text}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
