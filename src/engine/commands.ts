import type { Target } from "../domain/inputs";
import type { IssuedCreditNoteReport, IssuedInvoiceReport } from "../domain/invoices";
import { fail, type Result } from "../domain/result";
import { applyEvent } from "./apply-event";
import { erpEvent } from "./command-effects";
import { type Change, emptyChange, type OrderState, WINDOW_CLOSED_EVENT } from "./model";
import type { Moved, Skipped } from "./outcome";
import { checkGrowth, rejection } from "./refusals";
import { setTracking } from "./shipments";
import { stateInfo } from "./step";
import type { Stepper } from "./stepper";
import { selectTarget } from "./targets";
import { closeWindow } from "./timers";
import { cancellationBlock, itemStates } from "./view";

/**
 * The pure part of every order command: given the order as it is, the stepper of its process
 * and the time, what changes (written in one transaction by the Durable Object) and what the
 * caller is told besides the order. A refusal is a value and changes nothing.
 */
export type Command<T extends object = object> = (
  state: OrderState,
  stepper: Stepper,
  now: number,
) => Result<{ change: Change; extra: T }>;

const done = (change: Change) => ({ ok: true as const, change, extra: {} });
const iso = (ms: number) => new Date(ms).toISOString();

/** Triggers an event on a target; only items whose state accepts it move. */
export function triggerEvent(
  input: {
    event: string;
    target: Target;
    dryRun?: boolean;
    data?: { trackingNumber?: string | undefined; carrier?: string | undefined } | undefined;
  },
  actor: string,
): Command<{ moved: Moved[]; skipped: Skipped[] }> {
  return (state, stepper, now) => {
    if (input.event === WINDOW_CLOSED_EVENT) {
      // The window's end is an order-level fact: it closes through the order, never item by item.
      const closed = closeCancellationWindow(actor)(state, stepper, now);
      if (!closed.ok) return closed;
      const change = input.dryRun ? emptyChange() : closed.change;
      return { ok: true, change, extra: { moved: [], skipped: [] } };
    }
    const selections = selectTarget(state, input.target);
    if (!Array.isArray(selections)) return selections;
    const outcome = applyEvent(state, stepper, selections, {
      event: input.event,
      actor,
      now,
      ...(input.data ? { data: input.data } : {}),
    });
    if (outcome.moved.length === 0)
      return rejection(state, stepper.process, input.event, outcome.skipped);
    const tooLarge = checkGrowth(state, outcome.change, ["target", "items"]);
    if (tooLarge) return tooLarge;
    if (input.data?.trackingNumber || input.data?.carrier)
      setTracking(
        state,
        outcome.change,
        outcome.moved.map((m) => m.itemId),
        input.data,
      );
    return {
      ok: true,
      change: input.dryRun ? emptyChange() : outcome.change,
      extra: { moved: outcome.moved, skipped: outcome.skipped },
    };
  };
}

/**
 * Cancels the whole order. A customer may do so only inside the window and while every item
 * is cancellable; the back office wherever the items' states accept `cancel`.
 */
export function cancelOrder(actor: string, byCustomer: boolean): Command {
  return (state, stepper, now) => {
    const items = [...state.items.values()];
    // Said first, so a customer who cancels twice hears this rather than which states block it.
    if (items.every((i) => stateInfo(stepper.process, i.state)?.flags.includes("cancelled")))
      return fail("PRECONDITION_FAILED", "the order is already cancelled", {
        itemStates: itemStates(items),
      });
    if (byCustomer) {
      const block = cancellationBlock(state, stepper.process, now);
      if (block)
        return fail("PRECONDITION_FAILED", `the order cannot be cancelled: ${block}`, {
          cancellableUntil: iso(state.header.cancellableUntil),
          itemStates: itemStates(state.items.values()),
        });
    }
    const outcome = applyEvent(
      state,
      stepper,
      items.map((item) => ({ item, quantity: item.quantity })),
      { event: "cancel", actor, now },
    );
    if (outcome.moved.length > 0) return done(outcome.change);
    return fail(
      "PRECONDITION_FAILED",
      rejection(state, stepper.process, "cancel", outcome.skipped).message,
      { itemStates: itemStates(items) },
    );
  };
}

/** Closes the customer's cancellation window now (back office), as its timer would. */
export function closeCancellationWindow(actor: string): Command {
  return (state, stepper, now) =>
    state.header.windowClosedAt !== null
      ? fail(
          "PRECONDITION_FAILED",
          `the cancellation window closed at ${iso(state.header.windowClosedAt)}`,
        )
      : done(closeWindow(state, stepper, { actor, now, type: "event" }).change);
}

/** Sets or clears the buyer's own reference, recording who changed it from what. */
export function setCustomReference(text: string, actor: string): Command {
  return (state, _stepper, now) => {
    const value = text.trim() || null;
    const previous = state.header.customOrderReference;
    const change = emptyChange();
    change.header = { ...state.header, customOrderReference: value };
    change.history.push({
      at: now,
      actor,
      type: "custom-reference",
      itemIds: [],
      data: { from: previous, to: value },
    });
    // Before the export the ERP does not know the order; `order.exported` will carry it.
    if (state.header.exportedAt !== null && value !== previous)
      change.effects.push(
        erpEvent(change.header, now, "order.custom-reference.changed", {
          previousCustomOrderReference: previous,
        }),
      );
    return done(change);
  };
}

/**
 * Records the issued invoice; a repeated report changes nothing. Money that left the order after
 * the version the invoice bills (`creditKeys`: those money entries, found by the caller) gets
 * its credit notes now.
 */
export function recordInvoice(input: IssuedInvoiceReport, creditKeys: number[] = []): Command {
  return (state, _stepper, now) => {
    const known = state.header.invoice;
    const change = emptyChange();
    if (known?.reference === input.reference && (known.mailedAt || !input.mailedAt))
      return done(change);
    if (known && known.reference !== input.reference)
      return fail(
        "CONFLICT",
        `the order's invoice is ${known.reference}; ${input.reference} cannot be recorded`,
      );
    const { reference, issuedAt, mailedAt, version } = input;
    change.header = {
      ...state.header,
      invoice: { reference, issuedAt, mailedAt, version: known?.version ?? version },
    };
    if (!known) {
      change.effects.push(
        erpEvent(state.header, now, "invoice.issued", {
          invoice: {
            reference,
            type: "invoice",
            issuedAt,
            ...(input.ubl !== undefined ? { ubl: input.ubl } : {}),
          },
          totals: input.totals ?? null,
          documents: input.documents ?? [],
        }),
      );
      for (const key of creditKeys) change.effects.push({ kind: "credit-note", key });
    }
    change.history.push({
      at: now,
      actor: "system",
      type: known ? "invoice-mailed" : "invoice-issued",
      itemIds: [],
      data: { reference, issuedAt, mailedAt, ...(known ? {} : { version }) },
    });
    return done(change);
  };
}

/**
 * An invoice request that found nothing billable (everything canceled or refunded by the time
 * the job read the order): no invoice, no number; the history says so, and a later request may
 * ask again. A repeated report changes nothing.
 */
export function invoiceNotIssued(input: { version: number; reason: string }): Command {
  return (state, _stepper, now) => {
    const change = emptyChange();
    if (state.header.invoice !== null || state.header.invoiceRequestedAt === null)
      return done(change);
    change.header = { ...state.header, invoiceRequestedAt: null };
    change.history.push({
      at: now,
      actor: "system",
      type: "invoice-not-issued",
      itemIds: [],
      data: input,
    });
    return done(change);
  };
}

/** Records an issued credit note; a repeated report changes nothing. */
export function recordCreditNote(input: IssuedCreditNoteReport): Command {
  return (state, _stepper, now) => {
    const list = state.header.creditNotes ?? [];
    const known = list.find((c) => c.key === input.key);
    const change = emptyChange();
    if (known?.reference === input.reference && (known.mailedAt || !input.mailedAt))
      return done(change);
    if (known && known.reference !== input.reference)
      return fail(
        "CONFLICT",
        `the money entry ${input.key} was credited by ${known.reference}; ${input.reference} cannot be recorded`,
      );
    const { key, reference, invoiceReference, issuedAt, mailedAt } = input;
    const grandTotal = Number(input.totals.grandTotal ?? 0);
    const entry = { key, reference, issuedAt, grandTotal, mailedAt };
    change.header = {
      ...state.header,
      creditNotes: known
        ? list.map((c) => (c.key === key ? entry : c))
        : [...list, entry].sort((a, b) => a.key - b.key),
    };
    if (!known)
      change.effects.push(
        erpEvent(state.header, now, "credit-note.issued", {
          creditNote: {
            reference,
            invoiceReference,
            issuedAt,
            ...(input.ubl !== undefined ? { ubl: input.ubl } : {}),
          },
          totals: input.totals,
          items: input.items,
          shipping: input.shipping,
          documents: input.documents,
        }),
      );
    change.history.push({
      at: now,
      actor: "system",
      type: known ? "credit-note-mailed" : "credit-note-issued",
      itemIds: [],
      data: { reference, invoiceReference, key, grandTotal, issuedAt, mailedAt },
    });
    return done(change);
  };
}

/** Records that the invoice (or one of its credit notes) was mailed again, and by whom. */
export function invoiceResent(
  input: { reference: string; mailedAt: string },
  actor: string,
): Command {
  return (state, _stepper, now) => {
    const invoice = state.header.invoice;
    const creditNotes = state.header.creditNotes ?? [];
    const change = emptyChange();
    if (invoice?.reference === input.reference)
      change.header = { ...state.header, invoice: { ...invoice, mailedAt: input.mailedAt } };
    else if (creditNotes.some((c) => c.reference === input.reference))
      change.header = {
        ...state.header,
        creditNotes: creditNotes.map((c) =>
          c.reference === input.reference ? { ...c, mailedAt: input.mailedAt } : c,
        ),
      };
    else return fail("NOT_FOUND", `invoice ${input.reference} is not this order's`);
    change.history.push({ at: now, actor, type: "invoice-resent", itemIds: [], data: input });
    return done(change);
  };
}
