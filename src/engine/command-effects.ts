import type { JsonObject } from "../domain/json";
import type { ProcessDefinition } from "../machines/registry";
import type { Change, Effect, ErpEffect, NewHistoryEntry, OrderHeader } from "./model";
import { defaultOrderSettings, type OrderSettings } from "./stepper";

/**
 * What a process's commands do: each becomes a history entry and, for most, an effect that
 * leaves the order through its outbox (a mail, an invoice job, an event for the ERP).
 */

/** Commands become history entries and effects; per-order commands run once per event. */
export function addCommandsOf(
  baseHeader: OrderHeader,
  process: ProcessDefinition,
  change: Change,
  commands: Map<string, string[]>,
  options: { event: string; actor: string; now: number },
  settings: OrderSettings = defaultOrderSettings,
) {
  for (const [command, itemIds] of commands) {
    const scope = process.commands[command] ?? "item";
    const entry: NewHistoryEntry = {
      at: options.now,
      actor: options.actor,
      type: "command",
      event: command,
      itemIds,
      data: { scope, trigger: options.event },
    };
    const effect = effectOf(command, itemIds, change.header ?? baseHeader, options.now);
    if (command === "notifyErp") {
      const header = change.header ?? baseHeader;
      if (header.exportedAt === null) change.header = { ...header, exportedAt: options.now };
    }
    if (command === "generateInvoice") {
      // One invoice per order: once issued, asking again changes nothing. Requested and on its
      // way, asking again queues nothing either (a bulk import of the same request is one job).
      // Requested longer ago than INVOICE_REQUEST_TIMEOUT and still not issued (its job lost or
      // dead-lettered), it is requested again: issuing is idempotent per order (one number, one
      // document, one mail), so a job that was merely slow does no harm.
      const header = change.header ?? baseHeader;
      const skipped = invoiceRequestSkipped(header, options.now, settings);
      if (skipped) {
        entry.data = { ...entry.data, skipped };
        change.history.push(entry);
        continue;
      }
      if (header.invoiceRequestedAt !== null) entry.data = { ...entry.data, reissued: true };
      change.header = { ...header, invoiceRequestedAt: options.now };
    }
    change.history.push(entry);
    if (effect) change.effects.push(effect);
  }
}

/** Why a new invoice request queues no job (the history records it as skipped), or null. */
function invoiceRequestSkipped(
  header: OrderHeader,
  now: number,
  settings: OrderSettings,
): string | null {
  if (header.invoice !== null) return "this order's invoice was already issued";
  const at = header.invoiceRequestedAt;
  if (at === null || now - at >= settings.invoiceRequestTimeoutMs) return null;
  const again = new Date(at + settings.invoiceRequestTimeoutMs).toISOString();
  return `an invoice was requested at ${new Date(at).toISOString()} and is being issued; a request after ${again} asks again if it has not arrived`;
}

/** An event for the ERP, with the order's custom reference at that moment. */
export function erpEvent(
  header: OrderHeader,
  at: number,
  type: string,
  data: JsonObject,
): ErpEffect {
  return { kind: "erp", type, at, customOrderReference: header.customOrderReference, data };
}

function effectOf(
  command: string,
  itemIds: string[],
  header: OrderHeader,
  now: number,
): Effect | null {
  switch (command) {
    case "sendOrderConfirmation":
      return { kind: "mail", template: "order-confirmation" };
    case "generateInvoice":
      return { kind: "invoice" };
    case "notifyErp":
      return erpEvent(header, now, "order.exported", { itemIds });
    default:
      // Item-level bookkeeping commands (releaseReservation, refundItem) are recorded in the
      // history only. The ERP hears of a refund from the money move it records
      // (`order.items.refunded`, money-moves.ts) and of cancelled items from
      // `order.items.cancelled` (apply-event.ts); released reservations show in the read model.
      return null;
  }
}
