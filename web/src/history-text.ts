// An order's history as sentences: who did what to which items, and what it did to the money,
// in the words of the processes' display names and in the order's currency. No JSON.
import type { HistoryEntry } from "./api";
import { actorText, dateTime, idList, money, plural } from "./format";
import type { Names } from "./names";

type Data = NonNullable<HistoryEntry["data"]>;

const str = (data: Data | undefined, key: string): string | undefined => {
  const value = data?.[key];
  return typeof value === "string" ? value : undefined;
};
const num = (data: Data | undefined, key: string): number | undefined => {
  const value = data?.[key];
  return typeof value === "number" ? value : undefined;
};
const list = (data: Data | undefined, key: string): unknown[] => {
  const value = data?.[key];
  return Array.isArray(value) ? value : [];
};

/** `xstate.after.<delay>.<process>.<state>`: the delay's name. */
const delayOf = (event: string | undefined) =>
  event?.startsWith("xstate.after.") ? (event.split(".")[2] ?? event) : (event ?? "");

const FIELDS: Record<string, string> = {
  address: "the address",
  method: "the shipping method",
  requestedDeliveryDate: "the requested delivery date",
};

/** One history entry as a sentence (notes are shown as they were written, not through this). */
export function sentence(entry: HistoryEntry, names: Names, orderCurrency: string): string {
  const { data } = entry;
  const who = actorText(entry.actor);
  const currency = str(data, "currency") ?? orderCurrency;
  const m = (minor: number | undefined) => money(minor ?? 0, currency);
  const items = idList(entry.itemIds);
  const moved =
    entry.from && entry.to && entry.from !== entry.to
      ? `: ${items} from ${names.display(entry.from)} to ${names.display(entry.to)}`
      : items
        ? ` (${items})`
        : "";
  switch (entry.type) {
    case "placed": {
      const lines = num(data, "lines") ?? entry.itemIds.length;
      const shipments = num(data, "shipments") ?? 1;
      return `Placed by ${who}: ${plural(lines, "line")} in ${plural(shipments, "shipment")}, ${m(num(data, "grandTotal"))}, process ${str(data, "process") ?? "?"}.`;
    }
    case "event":
      return `${names.done(entry.event ?? "")} by ${who}${moved}.`;
    case "timer":
      return `${names.timer(delayOf(entry.event))}${moved}.`;
    case "command": {
      const forItems = str(data, "scope") === "item" && items ? ` for ${items}` : "";
      return `${names.command(entry.event ?? "")}${forItems}.`;
    }
    case "cancellation":
    case "refund": {
      const canceled = entry.type === "cancellation";
      const parts = [
        ...(entry.itemIds.length ? [`${m(num(data, "items"))} for ${items}`] : []),
        ...list(data, "shipping").flatMap((part) =>
          typeof part === "object" &&
          part !== null &&
          "amount" in part &&
          typeof part.amount === "number"
            ? [
                `${m(part.amount)} shipping of ${"shipmentId" in part ? String(part.shipmentId) : "a shipment"}`,
              ]
            : [],
        ),
      ];
      const total = num(data, canceled ? "canceledTotal" : "refundedTotal");
      return `${m(num(data, "amount"))} ${canceled ? "canceled" : "refunded"} by ${who}${parts.length ? ` (${parts.join(", ")})` : ""}${total === undefined ? "" : `; ${canceled ? "canceled" : "refunded"} in all: ${m(total)}`}.`;
    }
    case "cancellation-window-closed": {
      const until = str(data, "cancellableUntil");
      return data?.early === true
        ? `Cancellation window closed early by ${who}${until ? ` (it was open until ${dateTime(until)})` : ""}.`
        : "Cancellation window closed when it ran out.";
    }
    case "custom-reference": {
      const from = str(data, "from");
      const to = str(data, "to");
      if (!to) return `Custom reference${from ? ` “${from}”` : ""} cleared by ${who}.`;
      return from
        ? `Custom reference changed from “${from}” to “${to}” by ${who}.`
        : `Custom reference set to “${to}” by ${who}.`;
    }
    case "invoice-issued":
      return `Invoice ${str(data, "reference") ?? ""} issued.`;
    case "invoice-mailed":
      return `Invoice ${str(data, "reference") ?? ""} mailed to the customer.`;
    case "invoice-resent":
      return `Invoice ${str(data, "reference") ?? ""} mailed again, asked by ${who}.`;
    case "invoice-not-issued":
      return `No invoice issued: ${str(data, "reason") ?? "nothing to bill"}.`;
    case "credit-note-issued":
      return `Credit note ${str(data, "reference") ?? ""} issued for ${m(num(data, "grandTotal"))} against invoice ${str(data, "invoiceReference") ?? ""}.`;
    case "credit-note-mailed":
      return `Credit note ${str(data, "reference") ?? ""} mailed to the customer.`;
    case "shipment": {
      const removed = list(data, "deletedShipments").map(String);
      const emptied = removed.length
        ? ` ${idList(removed, "shipment").replace(/^s/, "S")}, left empty, removed.`
        : "";
      if (entry.event === "shipment-created")
        return `Shipment ${str(data, "shipmentId") ?? ""} created by ${who} with ${items}.${emptied}`;
      if (entry.event === "items-moved")
        return `${items.replace(/^i/, "I")} moved to shipment ${str(data, "toShipmentId") ?? ""} by ${who}.${emptied}`;
      const changed = list(data, "changed").map((f) => FIELDS[String(f)] ?? String(f));
      return `Shipment ${str(data, "shipmentId") ?? ""} changed by ${who}${changed.length ? `: ${changed.join(", ")}` : ""}.`;
    }
    case "process-migrated":
      return `Moved from process ${str(data, "from") ?? ""} to ${str(data, "to") ?? ""} by ${who} (migration ${str(data, "migrationId") ?? ""}), ${items}.`;
    default:
      return `${entry.type.replace(/-/g, " ")}${entry.event ? ` (${entry.event.replace(/-/g, " ")})` : ""} by ${who}${moved}.`;
  }
}
