import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import type { Address, ManualEvent, OrderView } from "../api";
import { actorText, dateTime, duration, money, relative } from "../format";
import type { Names } from "../names";
import type { OrderActions } from "../order-actions";
import { useServiceNow } from "../service-clock";
import { useCanChange } from "../session";
import { useTRPC } from "../trpc";
import { BulkEvents } from "./bulk-events";
import { Dialog, DialogActions } from "./dialog";
import { StateCounts } from "./state-counts";

export function AddressLines({ address }: { address: Address }) {
  return (
    <address>
      {address.firstName} {address.lastName}
      {address.company && <div>{address.company}</div>}
      <div>{address.address1}</div>
      {address.address2 && <div>{address.address2}</div>}
      <div>
        {address.zipCode} {address.city}, {address.country}
      </div>
      {address.phone && <div>{address.phone}</div>}
      {address.email && <div>{address.email}</div>}
    </address>
  );
}

/** The order as a whole: who, what it costs, the cancellation window, order-wide events. */
export function OrderSection({
  view,
  events,
  actions,
  names,
}: {
  view: OrderView;
  events: Map<string, ManualEvent[]>;
  actions: OrderActions;
  names: Names;
}) {
  const canChange = useCanChange();
  const { now, known } = useServiceNow(10_000);
  const orderEvents = useMemo(() => {
    const all = new Set<ManualEvent>();
    for (const list of events.values()) for (const e of list) all.add(e);
    return [...all];
  }, [events]);
  const { totals, currency } = view;
  const m = (minor: number) => money(minor, currency);
  return (
    <section aria-label="Order" className="panel">
      <div className="columns">
        <div>
          <h2>References</h2>
          <dl>
            <dt>Order reference</dt>
            <dd>{view.reference}</dd>
            <dt>Customer reference</dt>
            <dd>{view.customerReference}</dd>
          </dl>
          {canChange ? (
            <CustomReference view={view} actions={actions} />
          ) : (
            <dl>
              <dt>Custom reference</dt>
              <dd>{view.customOrderReference ?? "—"}</dd>
            </dl>
          )}
        </div>
        <div>
          <h2>Customer</h2>
          <p>
            {view.customer.firstName} {view.customer.lastName}
            <br />
            <a href={`mailto:${view.customer.email}`}>{view.customer.email}</a>
          </p>
          <h3>Billing address</h3>
          <AddressLines address={view.billingAddress} />
        </div>
        <div>
          <h2>Totals</h2>
          <dl className="totals">
            <dt>Subtotal</dt>
            <dd>{m(totals.subtotal)}</dd>
            <dt>Shipping</dt>
            <dd>{m(totals.expenseTotal)}</dd>
            {totals.discountTotal > 0 && (
              <>
                <dt>Discounts</dt>
                <dd>−{m(totals.discountTotal)}</dd>
              </>
            )}
            <dt>Tax</dt>
            <dd>{m(totals.taxTotal)}</dd>
            <dt>Grand total</dt>
            <dd className="strong">{m(totals.grandTotal)}</dd>
            <dt>Canceled</dt>
            <dd>{m(totals.canceledTotal)}</dd>
            <dt>Refunded</dt>
            <dd>{m(totals.refundedTotal)}</dd>
            <dt>Still charged (refundable)</dt>
            <dd>{m(totals.refundableTotal)}</dd>
          </dl>
          <p className="sub">
            {view.priceMode} prices · {view.paymentMethod} · process {view.process} · placed{" "}
            {dateTime(view.placedAt)}
            {known ? ` (${relative(view.placedAt, now)})` : ""}
          </p>
        </div>
      </div>
      <h2>Units by state</h2>
      <StateCounts counts={view.itemStates} display={names.display} />
      <CancellationWindow view={view} actions={actions} canChange={canChange} />
      {canChange && (
        <>
          <h2>Events for the whole order</h2>
          <BulkEvents
            view={view}
            events={orderEvents}
            target={{ all: true }}
            scope="all items of the order"
            actions={actions}
            names={names}
          />
        </>
      )}
    </section>
  );
}

function CustomReference({ view, actions }: { view: OrderView; actions: OrderActions }) {
  const [value, setValue] = useState(view.customOrderReference ?? "");
  // A change made elsewhere replaces what is shown, unless someone is typing a new one.
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setValue(view.customOrderReference ?? "");
  }, [view.customOrderReference, editing]);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (await actions.setCustomReference(view, value)) setEditing(false);
  }
  async function clear() {
    if (await actions.setCustomReference(view, "")) {
      setEditing(false);
      setValue("");
    }
  }
  return (
    <form className="inline" onSubmit={save}>
      <label>
        Custom reference
        <input
          value={value}
          maxLength={255}
          onChange={(e) => {
            setEditing(true);
            setValue(e.target.value);
          }}
        />
      </label>
      <button type="submit" disabled={actions.busy}>
        Save reference
      </button>
      <button
        type="button"
        className="quiet"
        disabled={actions.busy || view.customOrderReference === null}
        onClick={clear}
      >
        Clear reference
      </button>
    </form>
  );
}

/** How the window closed, from the history's fact: early by someone, or when it ran out. */
function useWindowClosing(view: OrderView) {
  const trpc = useTRPC();
  const history = useQuery(
    trpc.orders.history.queryOptions(
      { reference: view.reference },
      { enabled: view.cancellationWindowClosedAt !== null },
    ),
  );
  const entry = history.data?.findLast((h) => h.type === "cancellation-window-closed");
  if (!entry) return null;
  return { early: entry.data?.early === true, actor: entry.actor };
}

function CancellationWindow({
  view,
  actions,
  canChange,
}: {
  view: OrderView;
  actions: OrderActions;
  canChange: boolean;
}) {
  const { now, known } = useServiceNow(1_000);
  const closing = useWindowClosing(view);
  const [confirming, setConfirming] = useState(false);
  const until = Date.parse(view.cancellableUntil);
  const closedAt = view.cancellationWindowClosedAt;
  const open = closedAt === null && now < until;
  return (
    <>
      <h2>Cancellation window</h2>
      {closedAt !== null ? (
        <p>
          {closing === null
            ? `Closed at ${dateTime(closedAt)}.`
            : closing.early
              ? `Closed early by ${actorText(closing.actor)} at ${dateTime(closedAt)} (it was open until ${dateTime(view.cancellableUntil)}).`
              : `Closed when it ran out, at ${dateTime(closedAt)}.`}
        </p>
      ) : !known ? (
        <p>Open until {dateTime(view.cancellableUntil)}.</p>
      ) : open ? (
        <>
          <p>
            Open until {dateTime(view.cancellableUntil)}:{" "}
            <span className="countdown">
              <time dateTime={view.cancellableUntil}>{duration(until - now)}</time> left
            </span>
            .{" "}
            {view.isCancellable
              ? "The customer can cancel the order."
              : "The customer cannot cancel: not every item is in a cancellable state."}
          </p>
          {canChange && (
            <button type="button" disabled={actions.busy} onClick={() => setConfirming(true)}>
              Close the cancellation window
            </button>
          )}
        </>
      ) : (
        <p>Ran out at {dateTime(view.cancellableUntil)}; closing it is due now.</p>
      )}
      {confirming && (
        <Dialog title="Close the cancellation window?" onClose={() => setConfirming(false)}>
          <p>
            The customer will no longer be able to cancel order {view.reference}, and confirmed
            items move on at once.
          </p>
          <DialogActions onDismiss={() => setConfirming(false)} dismiss="Keep it open">
            <button
              type="button"
              // biome-ignore lint/a11y/noAutofocus: a dialog puts focus on its main action
              autoFocus
              onClick={async () => {
                setConfirming(false);
                await actions.closeCancellationWindow(view);
              }}
            >
              Close the window
            </button>
          </DialogActions>
        </Dialog>
      )}
    </>
  );
}
