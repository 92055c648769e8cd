import { useState } from "react";
import type { ManualEvent, OrderView, Target, TriggerResult } from "../api";
import { plural } from "../format";
import type { Names } from "../names";
import type { OrderActions } from "../order-actions";
import { Dialog, DialogActions } from "./dialog";
import { EventButton } from "./event-button";

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
  names,
}: {
  view: OrderView;
  events: ManualEvent[];
  target: Target;
  /** Completes the buttons' names: "pay: Mark as paid {scope}…". */
  scope: string;
  actions: OrderActions;
  names: Names;
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
        <EventButton
          key={event}
          event={event}
          label={names.label(event)}
          suffix={`${scope}…`}
          disabled={actions.busy}
          onClick={() => start(event)}
        />
      ))}
      {dryRun && (
        <DryRunDialog
          run={dryRun}
          scope={scope}
          view={view}
          names={names}
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
  names,
  onConfirm,
  onClose,
}: {
  run: DryRun;
  scope: string;
  view: OrderView;
  names: Names;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { display } = names;
  const label = names.label(run.event);
  const { moved, skipped } = run.result;
  const skuOf = new Map(view.items.map((i) => [i.id, i.sku]));
  const units = moved.reduce((n, m) => n + m.quantity, 0);
  return (
    <Dialog title={`${label} — ${scope}: dry run`} onClose={onClose}>
      {moved.length === 0 ? (
        <p>Nothing would move: no item here accepts “{label}” now.</p>
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
            Confirm: {label}
          </button>
        )}
      </DialogActions>
    </Dialog>
  );
}
