import { useState } from "react";
import type { ManualEvent, OrderView, Target, TriggerResult } from "../api";
import { plural } from "../format";
import type { OrderActions } from "../order-actions";
import { Dialog, DialogActions } from "./dialog";

interface DryRun {
  event: ManualEvent;
  result: TriggerResult;
}

/**
 * Buttons for events on many items at once (a shipment, the whole order). A click runs the
 * event as a dry run and shows what would move and what would be skipped, and why; only the
 * confirmation runs it, at the version the dry run saw.
 */
export function BulkEvents({
  view,
  events,
  target,
  scope,
  actions,
  display,
}: {
  view: OrderView;
  events: ManualEvent[];
  target: Target;
  /** Completes the buttons' names: "pay" + " … {scope}". */
  scope: string;
  actions: OrderActions;
  display: (state: string) => string;
}) {
  const [dryRun, setDryRun] = useState<DryRun | null>(null);

  async function start(event: ManualEvent) {
    const result = await actions.trigger(view, { event, target, dryRun: true });
    if (result) setDryRun({ event, result });
  }

  async function confirm(run: DryRun) {
    setDryRun(null);
    await actions.trigger(run.result.order, { event: run.event, target });
  }

  if (events.length === 0) return <p className="hint">No event applies to {scope} now.</p>;
  return (
    <div className="events">
      {events.map((event) => (
        <button key={event} type="button" disabled={actions.busy} onClick={() => start(event)}>
          {event}
          <span className="sr-only"> {scope}…</span>
        </button>
      ))}
      {dryRun && (
        <DryRunDialog
          run={dryRun}
          scope={scope}
          view={view}
          display={display}
          onConfirm={() => confirm(dryRun)}
          onClose={() => setDryRun(null)}
        />
      )}
    </div>
  );
}

const SHOWN = 20;

function DryRunDialog({
  run,
  scope,
  view,
  display,
  onConfirm,
  onClose,
}: {
  run: DryRun;
  scope: string;
  view: OrderView;
  display: (state: string) => string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { moved, skipped } = run.result;
  const skuOf = new Map(view.items.map((i) => [i.id, i.sku]));
  const units = moved.reduce((n, m) => n + m.quantity, 0);
  return (
    <Dialog title={`${run.event} ${scope}: dry run`} onClose={onClose}>
      {moved.length === 0 ? (
        <p>Nothing would move: no item here accepts {run.event} now.</p>
      ) : (
        <>
          <p>
            {plural(moved.length, "item")} ({plural(units, "unit")}) would move:
          </p>
          <ul className="moves">
            {moved.slice(0, SHOWN).map((m) => (
              <li key={m.itemId}>
                {m.itemId} ({skuOf.get(m.itemId)}) × {m.quantity}: {display(m.from)} →{" "}
                {display(m.to)}
              </li>
            ))}
            {moved.length > SHOWN && <li>… and {plural(moved.length - SHOWN, "more item")}</li>}
          </ul>
        </>
      )}
      {skipped.length > 0 && (
        <>
          <p>{plural(skipped.length, "item")} would be skipped:</p>
          <ul className="moves">
            {skipped.slice(0, SHOWN).map((s) => (
              <li key={s.itemId}>
                {s.itemId} ({skuOf.get(s.itemId)}) in {display(s.state)}: {s.reason}
              </li>
            ))}
            {skipped.length > SHOWN && <li>… and {plural(skipped.length - SHOWN, "more item")}</li>}
          </ul>
        </>
      )}
      <DialogActions onDismiss={onClose} dismiss={moved.length > 0 ? "Cancel" : "Close"}>
        {moved.length > 0 && (
          // biome-ignore lint/a11y/noAutofocus: a dialog puts focus on its main action
          <button type="button" autoFocus onClick={onConfirm}>
            Confirm {run.event}
          </button>
        )}
      </DialogActions>
    </Dialog>
  );
}
