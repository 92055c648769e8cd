// The orders of a filter as a CSV file for accounting: every page of the list, read page by
// page and written as it comes (the file is a Blob of the pages' parts, never one long string),
// each page joined with its orders' invoices and credit notes.
import type { ListInput, OrderClient, OrderSummary } from "./api";
import { BOM, csvLine } from "./csv";
import { digitsOf } from "./format";

const PAGE = 100;
/** invoices.list takes at most 50 orders at a time. */
const INVOICE_LOOKUP = 50;

export const CSV_HEADER = [
  "Order",
  "Custom reference",
  "Placed at (UTC)",
  "Customer reference",
  "Customer name",
  "Customer email",
  "State",
  "Units by state",
  "Grand total",
  "Currency",
  "Invoice",
  "Credit notes",
  "Credited",
] as const;

/** An amount in minor units as a plain decimal a spreadsheet reads ("57.60", "1200" for JPY). */
export function decimal(minor: number, currency: string): string {
  const digits = digitsOf(currency);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, "0")}`;
}

interface Documents {
  invoice: string | null;
  creditNotes: string[];
  credited: number;
}

/** The invoices and credit notes of some orders, by order. */
async function documentsOf(client: OrderClient, references: string[]) {
  const byOrder = new Map<string, Documents>();
  for (let i = 0; i < references.length; i += INVOICE_LOOKUP) {
    const orderReferences = references.slice(i, i + INVOICE_LOOKUP);
    let cursor: string | undefined;
    do {
      const page = await client.invoices.list.query({
        orderReferences,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      for (const doc of page.invoices) {
        const entry = byOrder.get(doc.orderReference) ?? {
          invoice: null,
          creditNotes: [],
          credited: 0,
        };
        if (doc.type === "invoice") entry.invoice = doc.reference;
        else {
          entry.creditNotes.push(doc.reference);
          entry.credited += doc.grandTotal ?? 0;
        }
        byOrder.set(doc.orderReference, entry);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return byOrder;
}

function line(order: OrderSummary, docs: Documents | undefined, display: (s: string) => string) {
  const units = Object.entries(order.itemStates)
    .map(([state, n]) => `${n} ${display(state)}`)
    .join("; ");
  return csvLine([
    order.reference,
    order.customOrderReference,
    order.placedAt,
    order.customerReference,
    order.customer.name,
    order.customer.email,
    display(order.state),
    units,
    decimal(order.grandTotal, order.currency),
    order.currency,
    docs?.invoice ?? "",
    // Oldest first, as they were issued (the list gives them newest first).
    [...(docs?.creditNotes ?? [])].reverse().join(" "),
    docs && docs.creditNotes.length > 0 ? decimal(docs.credited, order.currency) : "",
  ]);
}

/**
 * Every order of `filter` as CSV (UTF-8 with BOM, one header row, every field quoted); `progress`
 * hears how many orders are written so far.
 */
export async function exportOrdersCsv(
  client: OrderClient,
  filter: Omit<ListInput, "cursor" | "limit">,
  display: (state: string) => string,
  progress: (orders: number) => void,
): Promise<{ file: Blob; orders: number }> {
  const parts: string[] = [BOM, csvLine(CSV_HEADER)];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await client.orders.list.query({
      ...filter,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const docs = page.orders.length
      ? await documentsOf(
          client,
          page.orders.map((o) => o.reference),
        )
      : new Map<string, Documents>();
    parts.push(page.orders.map((o) => line(o, docs.get(o.reference), display)).join(""));
    count += page.orders.length;
    progress(count);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { file: new Blob(parts, { type: "text/csv;charset=utf-8" }), orders: count };
}

/** Hands a file to the browser as a download. */
export function saveFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // Revoked after the click has handed the file over.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
