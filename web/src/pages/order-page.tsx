import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { Link } from "wouter";
import type { ItemView } from "../api";
import { History } from "../components/history";
import { InvoiceSection } from "../components/invoice-section";
import { Alert, Status } from "../components/notice";
import { OrderSection } from "../components/order-section";
import { ShipmentSection } from "../components/shipment-section";
import { describeError, errorCode } from "../errors";
import { useNames } from "../names";
import { useOrderActions } from "../order-actions";
import { useCanChange } from "../session";
import { useTRPC } from "../trpc";

/** How often the page asks D1 for the order's version, to show changes made elsewhere. */
const PROBE_INTERVAL_MS = 2_000;

export function OrderPage({ reference }: { reference: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const names = useNames();
  const canChange = useCanChange();
  const actions = useOrderActions(reference, names);
  const order = useQuery(trpc.orders.get.queryOptions({ reference }));
  // Events are offered to those who may trigger them.
  const events = useQuery(trpc.orders.events.queryOptions({ reference }, { enabled: canChange }));
  const view = order.data;

  // Changes made elsewhere (ERP, another operator, timers, the invoice consumer): D1's row of
  // the order carries its version and costs one indexed read, so the page polls that, not the
  // whole order (a 10,000-line view is megabytes), and reloads the order when it moved on.
  const probe = useQuery(
    trpc.orders.list.queryOptions(
      { reference, limit: 1 },
      { refetchInterval: PROBE_INTERVAL_MS, enabled: view !== undefined },
    ),
  );
  const published = probe.data?.orders[0]?.version;
  const { busy, reload, say } = actions;
  useEffect(() => {
    if (published === undefined || view === undefined || busy) return;
    if (published > view.version) {
      say("ok", `The order changed elsewhere (now version ${published}); the page shows it.`);
      void reload();
    }
  }, [published, view, busy, reload, say]);

  // Whatever moved the version, the events on offer and the history follow it.
  const version = view?.version;
  const lastVersion = useRef(version);
  useEffect(() => {
    if (version === undefined || lastVersion.current === version) return;
    const first = lastVersion.current === undefined;
    lastVersion.current = version;
    // The first version is the one they were loaded with.
    if (first) return;
    void queryClient.invalidateQueries({ queryKey: trpc.orders.events.queryKey({ reference }) });
    void queryClient.invalidateQueries({ queryKey: trpc.orders.history.queryKey({ reference }) });
  }, [version, queryClient, trpc, reference]);

  const eventsByItem = useMemo(
    () => new Map((events.data ?? []).map((e) => [e.itemId, e.events])),
    [events.data],
  );
  const itemsByShipment = useMemo(() => {
    const groups = new Map<string, ItemView[]>();
    for (const item of view?.items ?? []) {
      const group = groups.get(item.shipmentId);
      if (group) group.push(item);
      else groups.set(item.shipmentId, [item]);
    }
    return groups;
  }, [view]);

  if (order.error)
    return (
      <>
        <h1>Order {reference}</h1>
        <Alert>
          {errorCode(order.error) === "NOT_FOUND"
            ? `There is no order ${reference}.`
            : describeError(order.error)}
        </Alert>
        <p>
          <Link href="/">Back to the orders</Link>
        </p>
      </>
    );
  if (!view)
    return (
      <>
        <h1>Order {reference}</h1>
        <p role="status">Loading the order…</p>
      </>
    );

  return (
    <article className="order" aria-label={`Order ${view.reference}`}>
      <div className="order-head">
        <h1>Order {view.reference}</h1>
        <span className="version" title="Every change adds one">
          version {view.version}
        </span>
        <nav aria-label="Order views" className="links">
          <Link href="/">All orders</Link>
          <Link href={`/orders/${view.reference}/process`}>Process diagram</Link>
          <Link href={`/deliveries?order=${view.reference}`}>ERP deliveries</Link>
        </nav>
      </div>
      <div className="feedback">
        {actions.feedback &&
          (actions.feedback.kind === "error" ? (
            <Alert key={actions.feedback.id}>{actions.feedback.text}</Alert>
          ) : (
            <Status key={actions.feedback.id}>{actions.feedback.text}</Status>
          ))}
      </div>
      <OrderSection view={view} events={eventsByItem} actions={actions} names={names} />
      {view.shipments.map((shipment) => (
        <ShipmentSection
          key={shipment.id}
          view={view}
          shipment={shipment}
          items={itemsByShipment.get(shipment.id) ?? []}
          events={eventsByItem}
          actions={actions}
          names={names}
        />
      ))}
      <InvoiceSection view={view} actions={actions} />
      <History reference={view.reference} view={view} names={names} />
    </article>
  );
}
