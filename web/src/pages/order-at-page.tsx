import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "wouter";
import type { OrderView, Outputs } from "../api";
import { Alert } from "../components/notice";
import { describeError } from "../errors";
import { money } from "../format";
import { useTRPC } from "../trpc";

/**
 * The order as it was at one version of its history (orders.at), and what changed from then to
 * now (orders.diff): opened from a history entry's "as at" link.
 */
export function OrderAtPage({ reference, version }: { reference: string; version: number }) {
  const trpc = useTRPC();
  const at = useQuery(trpc.orders.at.queryOptions({ reference, version }));
  const now = useQuery(trpc.orders.get.queryOptions({ reference }));
  const latest = now.data?.version;
  const diff = useQuery(
    trpc.orders.diff.queryOptions(
      { reference, from: version, to: latest ?? version },
      { enabled: latest !== undefined && latest > version },
    ),
  );
  const error = at.error ?? now.error ?? diff.error;
  return (
    <>
      <div className="order-head">
        <h1>
          Order {reference} as at version {version}
        </h1>
        <nav aria-label="Order views" className="links">
          <Link href={`/orders/${reference}`}>Back to the order</Link>
        </nav>
      </div>
      {error && <Alert>{describeError(error)}</Alert>}
      {!at.data && !error && <p role="status">Loading the order as it was…</p>}
      {at.data && <AsAt view={at.data} />}
      {diff.data && latest !== undefined && (
        <Changes diff={diff.data} currency={at.data?.currency ?? ""} latest={latest} />
      )}
    </>
  );
}

function AsAt({ view }: { view: OrderView }) {
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>As it was</h2>
      <p>
        Process {view.process} · grand total {money(view.totals.grandTotal, view.currency)} ·
        canceled {money(view.totals.canceledTotal, view.currency)} · refunded{" "}
        {money(view.totals.refundedTotal, view.currency)}
      </p>
      <table>
        <caption>Items at version {view.version}</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">SKU</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col">State</th>
            <th scope="col">Shipment</th>
          </tr>
        </thead>
        <tbody>
          {view.items.map((i) => (
            <tr key={i.id}>
              <th scope="row">{i.id}</th>
              <td>{i.sku}</td>
              <td className="num">{i.quantity.toLocaleString()}</td>
              <td>{i.stateDisplay}</td>
              <td>{i.shipmentId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

type Diff = Outputs["orders"]["diff"];

function Changes({ diff, currency, latest }: { diff: Diff; currency: string; latest: number }) {
  const titleId = useId();
  const facts = (f: Diff["items"][number]["before"]) =>
    f ? `${f.quantity} ${f.state} in ${f.shipmentId}` : "—";
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>What changed up to version {latest}</h2>
      {diff.from.process !== diff.to.process && (
        <p>
          Process {diff.from.process} → {diff.to.process}
        </p>
      )}
      <ul>
        {diff.items.map((i) => (
          <li key={i.id}>
            {i.id} ({i.sku}): {facts(i.before)} → {facts(i.after)}
          </li>
        ))}
        {diff.shipments.map((s) => (
          <li key={s.id}>
            Shipment {s.id} {s.change}
            {s.fields.length > 0 ? `: ${s.fields.join(", ")}` : ""}
          </li>
        ))}
        {diff.money.map((m) => (
          <li key={m.total}>
            {m.total}: {money(m.before, currency)} → {money(m.after, currency)}
          </li>
        ))}
      </ul>
    </section>
  );
}
