import { type FormEvent, useEffect, useMemo, useState } from "react";
import type { Address, ManualEvent, OrderView } from "../api";
import { dateTime, duration, money } from "../format";
import type { OrderActions } from "../order-actions";
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
  display,
}: {
  view: OrderView;
  events: Map<string, ManualEvent[]>;
  actions: OrderActions;
  display: (state: string) => string;
}) {
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
          <CustomReference view={view} actions={actions} />
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
            <dt>Refundable</dt>
            <dd>{m(totals.refundableTotal)}</dd>
          </dl>
          <p className="sub">
            {view.priceMode} prices · {view.paymentMethod} · process {view.process} · placed{" "}
            {dateTime(view.placedAt)}
          </p>
        </div>
      </div>
      <h2>Units by state</h2>
      <StateCounts counts={view.itemStates} display={display} />
      <CancellationWindow view={view} actions={actions} />
      <h2>Events for the whole order</h2>
      <BulkEvents
        view={view}
        events={orderEvents}
        target={{ all: true }}
        scope="all items of the order"
        actions={actions}
        display={display}
      />
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

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function CancellationWindow({ view, actions }: { view: OrderView; actions: OrderActions }) {
  const now = useNow(1_000);
  const [confirming, setConfirming] = useState(false);
  const until = Date.parse(view.cancellableUntil);
  const open = view.cancellationWindowClosedAt === null && now < until;
  return (
    <>
      <h2>Cancellation window</h2>
      {view.cancellationWindowClosedAt !== null ? (
        <p>Closed early at {dateTime(view.cancellationWindowClosedAt)}.</p>
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
          <button type="button" disabled={actions.busy} onClick={() => setConfirming(true)}>
            Close the cancellation window
          </button>
        </>
      ) : (
        <p>Closed at {dateTime(view.cancellableUntil)}.</p>
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
