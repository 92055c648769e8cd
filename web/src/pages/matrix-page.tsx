import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import type { RouterOutputs } from "../api";
import { Alert } from "../components/notice";
import { describeError } from "../errors";
import { plural } from "../format";
import { AGES, type Age } from "../order-filters";
import { useTRPC } from "../trpc";

type Row = RouterOutputs["orders"]["matrix"][number];

const COLUMNS: { age: Age; key: "lessThanDay" | "lessThanWeek" | "older"; title: string }[] = [
  { age: "day", key: "lessThanDay", title: "Under a day" },
  { age: "week", key: "lessThanWeek", title: "A day to a week" },
  { age: "older", key: "older", title: "More than a week" },
];

/**
 * The order matrix: per process, how many units wait in each state, by how long they have been
 * there. Each count opens the list of the orders behind it; units waiting more than a week are
 * the ones to look at first.
 */
export function MatrixPage() {
  const trpc = useTRPC();
  const matrix = useQuery(trpc.orders.matrix.queryOptions(undefined, { refetchInterval: 10_000 }));
  const byProcess = new Map<string, Row[]>();
  for (const row of matrix.data ?? []) {
    const rows = byProcess.get(row.process) ?? [];
    rows.push(row);
    byProcess.set(row.process, rows);
  }
  return (
    <>
      <h1>Order matrix</h1>
      <p className="hint">
        Units waiting in each state of each process, by how long they have been in it (the service's
        time). A count opens the orders behind it.
      </p>
      {matrix.error && <Alert>{describeError(matrix.error)}</Alert>}
      {matrix.isPending && <p role="status">Loading the matrix…</p>}
      {[...byProcess].map(([process, rows]) => (
        <div className="table-wrap" key={process}>
          <table className="matrix">
            <caption>Process {process}</caption>
            <thead>
              <tr>
                <th scope="col">State</th>
                {COLUMNS.map((c) => (
                  <th scope="col" className="num" key={c.key}>
                    {c.title}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.state}>
                  <th scope="row">{row.display}</th>
                  {COLUMNS.map((c) => {
                    const units = row[c.key];
                    return (
                      <td
                        key={c.key}
                        className={`num${units > 0 && c.age === "older" ? " stuck" : ""}`}
                      >
                        {units > 0 ? (
                          <Link
                            href={`/?${new URLSearchParams({ state: row.state, process, age: c.age })}`}
                            aria-label={`${plural(units, "unit")} ${row.display} for ${AGES[c.age]} (${process})`}
                          >
                            {units.toLocaleString()}
                          </Link>
                        ) : (
                          <span className="zero">0</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}
