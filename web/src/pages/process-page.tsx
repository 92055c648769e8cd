import { useQuery } from "@tanstack/react-query";
import mermaid from "mermaid";
import { useEffect, useId, useMemo, useState } from "react";
import { Link } from "wouter";
import type { OrderView, ProcessDescription } from "../api";
import { Alert } from "../components/notice";
import { describeError } from "../errors";
import { useTRPC } from "../trpc";

mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });

/** The id the service's diagram gives a state (Mermaid ids are letters, digits, underscores). */
const mermaidId = (state: string) => state.replace(/[^A-Za-z0-9_]/g, "_");

/** The process diagram with this order's quantities written into, and marked on, its states. */
function withCounts(process: ProcessDescription, counts: Partial<Record<string, number>>): string {
  const present = process.states.filter((s) => (counts[s.name] ?? 0) > 0);
  return [
    process.mermaid,
    ...present.map((s) => `  ${mermaidId(s.name)} : ${counts[s.name]} in this order`),
    "  classDef present fill:#fff4c2,stroke:#a66b00,stroke-width:2px",
    ...(present.length
      ? [`  class ${present.map((s) => mermaidId(s.name)).join(",")} present`]
      : []),
  ].join("\n");
}

let renders = 0;

function Diagram({ text, label }: { text: string; label: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    renders += 1;
    mermaid
      .render(`process-diagram-${renders}`, text)
      .then((result) => current && setSvg(result.svg))
      .catch((e: unknown) => current && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      current = false;
    };
  }, [text]);
  if (error) return <Alert>The diagram could not be drawn: {error}</Alert>;
  if (!svg) return <p role="status">Drawing the diagram…</p>;
  return (
    <figure className="diagram">
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: Mermaid's strict mode sanitizes its SVG (DOMPurify) */}
      <div role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export default function ProcessPage({ reference }: { reference: string }) {
  const trpc = useTRPC();
  const order = useQuery(trpc.orders.get.queryOptions({ reference }));
  const [name, version] = (order.data?.process ?? "").split("@");
  const process = useQuery(
    trpc.processes.get.queryOptions(
      { name: name ?? "", version: Number(version) },
      { enabled: order.data !== undefined, staleTime: Infinity },
    ),
  );
  const error = order.error ?? process.error;
  return (
    <>
      <div className="order-head">
        <h1>Process of order {reference}</h1>
        <nav aria-label="Order views" className="links">
          <Link href={`/orders/${reference}`}>Back to the order</Link>
        </nav>
      </div>
      {error && <Alert>{describeError(error)}</Alert>}
      {order.data && process.data && <ProcessView view={order.data} process={process.data} />}
      {!error && !(order.data && process.data) && <p role="status">Loading the process…</p>}
    </>
  );
}

function ProcessView({ view, process }: { view: OrderView; process: ProcessDescription }) {
  // Keyed by state name; the process's states are named the same way.
  const counts: Partial<Record<string, number>> = view.itemStates;
  const text = useMemo(() => withCounts(process, counts), [process, counts]);
  const titleId = useId();
  return (
    <>
      <Diagram
        text={text}
        label={`Process ${process.id}; states holding items of this order are highlighted`}
      />
      <table aria-labelledby={titleId}>
        <caption id={titleId}>States of {process.id} and this order's quantities</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col">Flags</th>
            <th scope="col">Manual events</th>
          </tr>
        </thead>
        <tbody>
          {process.states.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.display}</th>
              <td className="num">{(counts[s.name] ?? 0).toLocaleString()}</td>
              <td>{s.flags.join(", ")}</td>
              <td>{s.manualEvents.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
