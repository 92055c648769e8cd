// Rows of a bulk status import as an operator pastes or uploads them: CSV with a header row,
// or JSON (an array of rows, or `{ importId?, rows }` as the API takes them). The rows go to the
// service as they are; it checks each row and reports a bad one alone (`invalid`, naming it).
import { parseCsv } from "./csv";

export interface ParsedImport {
  rows: Record<string, unknown>[];
  importId?: string;
}

/** The CSV header's words for each field (case and separators do not matter). */
const COLUMNS: Record<string, string> = {
  reference: "reference",
  order: "reference",
  orderreference: "reference",
  customorderreference: "customOrderReference",
  customreference: "customOrderReference",
  itemid: "itemId",
  item: "itemId",
  sku: "sku",
  event: "event",
  quantity: "quantity",
};

const key = (header: string) => COLUMNS[header.toLowerCase().replace(/[^a-z]/g, "")];

/** What an operator pasted or uploaded, as rows for `orders.importEvents`; throws saying why not. */
export function parseImport(text: string): ParsedImport {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("There are no rows: paste CSV or JSON, or choose a file.");
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) return fromJson(trimmed);
  return { rows: fromCsv(trimmed) };
}

function fromJson(text: string): ParsedImport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`This is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (Array.isArray(value)) return { rows: value as Record<string, unknown>[] };
  const body = value as { rows?: unknown; importId?: unknown };
  if (!Array.isArray(body.rows))
    throw new Error('JSON must be an array of rows, or an object with "rows" (and "importId").');
  return {
    rows: body.rows as Record<string, unknown>[],
    ...(typeof body.importId === "string" ? { importId: body.importId } : {}),
  };
}

function fromCsv(text: string): Record<string, unknown>[] {
  const [header, ...lines] = parseCsv(text);
  if (!header) return [];
  const fields = header.map(key);
  const unknown = header.filter((_, i) => fields[i] === undefined);
  if (unknown.length)
    throw new Error(
      `Unknown column ${unknown.map((c) => `“${c}”`).join(", ")}: use reference or customOrderReference, itemId or sku, event, quantity.`,
    );
  return lines.map((cells) => {
    const cell = (name: string) => {
      const i = fields.indexOf(name);
      const value = i < 0 ? "" : (cells[i] ?? "").trim();
      return value === "" ? undefined : value;
    };
    const reference = cell("reference");
    const custom = cell("customOrderReference");
    const itemId = cell("itemId");
    const sku = cell("sku");
    const quantity = cell("quantity");
    return {
      order: reference !== undefined ? { reference } : { customOrderReference: custom ?? "" },
      ...(itemId !== undefined
        ? { item: { id: itemId } }
        : sku !== undefined
          ? { item: { sku } }
          : {}),
      event: cell("event") ?? "",
      // A number when it is one; otherwise as written, for the service to name.
      ...(quantity !== undefined
        ? { quantity: /^\d+$/.test(quantity) ? Number(quantity) : quantity }
        : {}),
    };
  });
}
