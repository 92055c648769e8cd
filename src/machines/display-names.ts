/**
 * What people read for the processes' events, commands and timers: button labels in the back
 * office and the words of an order's history. Kept beside the processes, not in them: the
 * registered machines are versioned and never change once orders run on them, while their
 * wording may (a new label is not a new process version).
 */
import type { EventDisplayName, ProcessDisplayNames } from "../domain/process-description";
import type { CommandName, ItemEventType } from "./item-process";

/** Every event any process understands. */
export const eventNames: Readonly<Record<ItemEventType, EventDisplayName>> = {
  pay: { label: "Mark as paid", done: "Marked as paid" },
  confirm: { label: "Confirm", done: "Confirmed" },
  cancel: { label: "Cancel", done: "Cancelled" },
  ship: { label: "Mark as shipped", done: "Marked as shipped" },
  deliver: { label: "Mark as delivered", done: "Marked as delivered" },
  return: { label: "Record a return", done: "Returned" },
  refund: { label: "Refund", done: "Refunded" },
  backorder: { label: "Put on backorder", done: "Put on backorder" },
  close: { label: "Close", done: "Closed" },
  "invoice-generate": { label: "Generate invoice", done: "Invoice requested" },
  "cancellation-window-closed": {
    label: "Close the cancellation window",
    done: "Cancellation window closed",
  },
};

/** Commands as the history tells them ("Order confirmation mail queued"). */
export const commandNames: Readonly<Record<CommandName, string>> = {
  sendOrderConfirmation: "Order confirmation mail queued",
  generateInvoice: "Invoice requested",
  notifyErp: "Order handed to the ERP",
  refundItem: "Refund recorded",
  releaseReservation: "Stock reservation released",
};

/** Timers (by their delay's name) as the history tells them firing. */
export const timerNames: Readonly<Record<string, string>> = {
  paymentTimeout: "No payment in time",
  stockTimeout: "No stock in time",
  closeAfterDelivery: "Closed automatically after delivery",
};

const pick = <T>(from: Readonly<Record<string, T>>, names: Iterable<string>): Record<string, T> => {
  const picked: Record<string, T> = {};
  for (const name of names) {
    const value = Object.hasOwn(from, name) ? from[name] : undefined;
    if (value !== undefined) picked[name] = value;
  }
  return picked;
};

/** The display names of the events, commands and delays one process uses. */
export function displayNamesOf(process: {
  events: Iterable<string>;
  commands: Iterable<string>;
  delays: Iterable<string>;
}): ProcessDisplayNames {
  return {
    events: pick(eventNames, process.events),
    commands: pick(commandNames, process.commands),
    timers: pick(timerNames, process.delays),
  };
}
