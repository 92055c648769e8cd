import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import type { Inputs, RouterOutputs } from "../api";
import { Alert, Status } from "../components/notice";
import { describeError } from "../errors";
import { plural } from "../format";
import { type ParsedImport, parseImport } from "../import-rows";
import { useNames } from "../names";
import { useTRPC } from "../trpc";

type Report = RouterOutputs["orders"]["importEvents"];
type Rows = Inputs["orders"]["importEvents"]["rows"];

const STATUS_TEXT: Record<Report["rows"][number]["status"], string> = {
  applied: "applied",
  skipped: "skipped",
  "unknown-order": "unknown order",
  invalid: "invalid",
};

const EXAMPLE = `reference,sku,event,quantity
ORD-…,SKU-1,ship,2`;

/**
 * The bulk status import, as a warehouse's file arrives: paste or upload CSV or JSON rows, read
 * the dry run's report per row (nothing is written), then apply the same rows under one import
 * id (sending them again returns the first report, never a second application).
 */
export function ImportPage() {
  const trpc = useTRPC();
  const names = useNames();
  const titleId = useId();
  const [text, setText] = useState("");
  const [parsed, setParsed] = useState<(ParsedImport & { importId: string }) | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const run = useMutation(trpc.orders.importEvents.mutationOptions());

  async function read(file: File | undefined) {
    if (file) setText(await file.text());
  }
  function go(dryRun: boolean, rows: ParsedImport & { importId: string }) {
    run.mutate(
      // The rows go as the operator wrote them: the service checks each and names a bad one.
      { importId: rows.importId, rows: rows.rows as Rows, ...(dryRun ? { dryRun } : {}) },
      { onSuccess: setReport },
    );
  }
  function preview(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setReport(null);
    try {
      const rows = parseImport(text);
      const next = { ...rows, importId: rows.importId ?? `back-office-${crypto.randomUUID()}` };
      setParsed(next);
      go(true, next);
    } catch (error) {
      setParsed(null);
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <>
      <h1>Bulk status import</h1>
      <p className="hint">
        One event per row for an order's items, as a warehouse or ERP sends them: CSV with a header
        row (reference or customOrderReference, itemId or sku, event, quantity) or JSON rows as{" "}
        <code>orders.importEvents</code> takes them. First a dry run shows what each row would do;
        nothing changes until you apply.
      </p>
      <form className="import-form" onSubmit={preview}>
        <label>
          Rows (CSV or JSON)
          <textarea
            value={text}
            rows={8}
            spellCheck={false}
            placeholder={EXAMPLE}
            onChange={(e) => {
              setText(e.target.value);
              setParsed(null);
              setReport(null);
            }}
          />
        </label>
        <label>
          Or a file
          <input
            type="file"
            accept=".csv,.json,text/csv,application/json"
            onChange={(e) => void read(e.target.files?.[0])}
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={run.isPending}>
            Check the rows (dry run)
          </button>
          {parsed && report?.dryRun && (
            <button type="button" disabled={run.isPending} onClick={() => go(false, parsed)}>
              Apply {plural(parsed.rows.length, "row")}
            </button>
          )}
        </div>
      </form>
      {problem && <Alert>{problem}</Alert>}
      {run.error && <Alert>{describeError(run.error)}</Alert>}
      {run.isPending && <p role="status">Sending {plural(parsed?.rows.length ?? 0, "row")}…</p>}
      {report && (
        <section aria-labelledby={titleId} className="panel">
          <h2 id={titleId}>
            {report.dryRun ? "Dry run: what the rows would do" : "Import report"}
          </h2>
          <Status>
            {report.dryRun ? "Would apply" : "Applied"} {plural(report.counts.applied, "row")},{" "}
            {report.counts.skipped} skipped, {report.counts.unknownOrder} for unknown orders,{" "}
            {report.counts.invalid} invalid (import {report.importId}).
          </Status>
          <div className="table-wrap">
            <table>
              <caption>Per row, in the order sent</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Row
                  </th>
                  <th scope="col">Result</th>
                  <th scope="col">Order</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((row) => (
                  <tr key={row.index} className={`import-${row.status}`}>
                    <td className="num">{row.index + 1}</td>
                    <td>{STATUS_TEXT[row.status]}</td>
                    <td>{row.orderReference ?? "—"}</td>
                    <td>
                      {row.message ?? ""}
                      {row.states?.map((s) => (
                        <div key={s.state}>
                          Items in {names.display(s.state)} take{" "}
                          {s.accepts.length
                            ? s.accepts.map((e) => names.label(e)).join(", ")
                            : "no event"}
                          .
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
