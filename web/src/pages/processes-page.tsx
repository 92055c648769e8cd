import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import type { Outputs, ProcessDescription } from "../api";
import { Alert, Status } from "../components/notice";
import { describeError } from "../errors";
import { useCanChange } from "../session";
import { useTRPC } from "../trpc";

type Report = Outputs["processes"]["migration"];
type DryRun = Extract<Outputs["processes"]["migrate"], { report: unknown }>["report"];

/**
 * The processes page: every registered version with the orders on it, and moving the running
 * orders of one version onto another (processes.migrate): a dry run first, then the run and its
 * progress (docs/processes.md).
 */
export function ProcessesPage() {
  const trpc = useTRPC();
  const list = useQuery(trpc.processes.list.queryOptions({}, { staleTime: Infinity }));
  const usage = useQuery(trpc.processes.usage.queryOptions({}));
  const titleId = useId();
  const canChange = useCanChange();
  const error = list.error ?? usage.error;
  return (
    <>
      <h1>Processes</h1>
      {error && <Alert>{describeError(error)}</Alert>}
      {!list.data && !error && <p role="status">Loading the processes…</p>}
      {list.data && (
        <table aria-labelledby={titleId}>
          <caption id={titleId}>Registered process versions and the orders on them</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                States
              </th>
              <th scope="col" className="num">
                Orders
              </th>
              <th scope="col" className="num">
                Running
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => {
              const u = usage.data?.find((x) => x.process === p.id);
              return (
                <tr key={p.id}>
                  <th scope="row">{p.id}</th>
                  <td className="num">{p.states.length}</td>
                  <td className="num">{u ? u.orders.toLocaleString() : "…"}</td>
                  <td className="num">{u ? u.running.toLocaleString() : "…"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list.data && canChange && <Migration processes={list.data} />}
    </>
  );
}

/** The states both versions have map to themselves; the others are left for a person to choose. */
function initialMap(from: ProcessDescription, to: ProcessDescription): Record<string, string> {
  const names = new Set(to.states.map((s) => s.name));
  return Object.fromEntries(
    from.states.filter((s) => names.has(s.name)).map((s) => [s.name, s.name]),
  );
}

function Migration({ processes }: { processes: ProcessDescription[] }) {
  const trpc = useTRPC();
  const titleId = useId();
  const ids = processes.map((p) => p.id);
  const [from, setFrom] = useState<string>(ids[0] ?? "");
  // The next version of the same process, when there is one.
  const [to, setTo] = useState<string>(
    ids.find((id) => id !== from && id.split("@")[0] === from.split("@")[0]) ?? "",
  );
  const source = processes.find((p) => p.id === from);
  const target = processes.find((p) => p.id === to);
  const defaults = useMemo(
    () => (source && target ? initialMap(source, target) : {}),
    [source, target],
  );
  const [edits, setEdits] = useState<Record<string, string>>({});
  const stateMap = Object.fromEntries(
    Object.entries({ ...defaults, ...edits }).filter(([, v]) => v !== ""),
  );
  const [migrationId, setMigrationId] = useState<string | null>(null);
  const dryRun = useMutation(trpc.processes.migrate.mutationOptions());
  const run = useMutation(
    trpc.processes.migrate.mutationOptions({
      onSuccess: (answer) => "migrationId" in answer && setMigrationId(answer.migrationId),
    }),
  );
  const progress = useQuery(
    trpc.processes.migration.queryOptions(
      { migrationId: migrationId ?? "" },
      {
        enabled: migrationId !== null,
        refetchInterval: (query) => (query.state.data?.status === "finished" ? false : 1_000),
      },
    ),
  );
  const start = (dry: boolean) => {
    if (!source || !target) return;
    (dry ? dryRun : run).mutate({ from: source.id, to: target.id, stateMap, dryRun: dry });
  };
  const choose = (setter: (id: string) => void) => (id: string) => {
    setter(id);
    setEdits({});
    dryRun.reset();
  };
  const report = dryRun.data && "report" in dryRun.data ? dryRun.data.report : null;
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>Migrate running orders</h2>
      <div className="fields">
        <label>
          From{" "}
          <select aria-label="From" value={from} onChange={(e) => choose(setFrom)(e.target.value)}>
            {ids.map((id) => (
              <option key={id}>{id}</option>
            ))}
          </select>
        </label>
        <label>
          To{" "}
          <select aria-label="To" value={to} onChange={(e) => choose(setTo)(e.target.value)}>
            <option value="">choose a version</option>
            {ids
              .filter((id) => id !== from)
              .map((id) => (
                <option key={id}>{id}</option>
              ))}
          </select>
        </label>
      </div>
      {source && target && (
        <table>
          <caption>State map: where the items of each state of {from} go</caption>
          <thead>
            <tr>
              <th scope="col">{from}</th>
              <th scope="col">{to}</th>
            </tr>
          </thead>
          <tbody>
            {source.states.map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td>
                  <select
                    aria-label={`${s.name} goes to`}
                    value={stateMap[s.name] ?? ""}
                    onChange={(e) => {
                      setEdits({ ...edits, [s.name]: e.target.value });
                      dryRun.reset();
                    }}
                  >
                    <option value="">left out (its orders stay)</option>
                    {target.states.map((t) => (
                      <option key={t.name}>{t.name}</option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button type="button" disabled={!target || dryRun.isPending} onClick={() => start(true)}>
          Dry run
        </button>
        <button
          type="button"
          disabled={!report || run.isPending || migrationId !== null}
          onClick={() => start(false)}
        >
          Migrate {report ? `${report.moved.toLocaleString()} orders` : ""}
        </button>
      </div>
      {(dryRun.error ?? run.error) && <Alert>{describeError(dryRun.error ?? run.error)}</Alert>}
      {report && <DryRunReport report={report} />}
      {progress.error && <Alert>{describeError(progress.error)}</Alert>}
      {progress.data && <Progress status={progress.data} />}
    </section>
  );
}

function DryRunReport({ report }: { report: DryRun }) {
  return (
    <section aria-label="Dry run">
      <Status>
        Dry run: {report.moved.toLocaleString()} orders would move,{" "}
        {report.finished.toLocaleString()} finished ones stay,{" "}
        {report.cannot.length.toLocaleString()} cannot move.
      </Status>
      <Moves moves={report.moves} caption="What would move where" />
      <Cannot cannot={report.cannot} />
    </section>
  );
}

function Progress({ status }: { status: Report }) {
  const total = status.moved + status.cannot.length + status.left;
  return (
    <section aria-label="Migration progress">
      <p>
        Migration <code>{status.migrationId}</code>: {status.status}. Moved{" "}
        {status.moved.toLocaleString()}, could not move {status.cannot.length.toLocaleString()},
        left {status.left.toLocaleString()}.
      </p>
      <progress max={Math.max(total, 1)} value={status.moved + status.cannot.length} />
      <Moves moves={status.moves} caption="What moved where" />
      <Cannot cannot={status.cannot} />
    </section>
  );
}

function Moves({ moves, caption }: { moves: DryRun["moves"]; caption: string }) {
  if (moves.length === 0) return null;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">From state</th>
          <th scope="col">To state</th>
          <th scope="col" className="num">
            Items
          </th>
          <th scope="col" className="num">
            Quantity
          </th>
          <th scope="col" className="num">
            Orders
          </th>
        </tr>
      </thead>
      <tbody>
        {moves.map((m) => (
          <tr key={`${m.from}-${m.to}`}>
            <th scope="row">{m.from}</th>
            <td>{m.to}</td>
            <td className="num">{m.items.toLocaleString()}</td>
            <td className="num">{m.quantity.toLocaleString()}</td>
            <td className="num">{m.orders.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Cannot({ cannot }: { cannot: DryRun["cannot"] }) {
  if (cannot.length === 0) return null;
  return (
    <table>
      <caption>Orders that cannot move</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Why</th>
          <th scope="col">States</th>
        </tr>
      </thead>
      <tbody>
        {cannot.map((c) => (
          <tr key={c.reference}>
            <th scope="row">
              <a href={`/orders/${c.reference}`}>{c.reference}</a>
            </th>
            <td>{c.reason}</td>
            <td>{c.states.join(", ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
