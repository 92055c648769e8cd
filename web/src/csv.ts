// CSV as spreadsheets read it (RFC 4180): every field quoted, lines ended by CRLF, UTF-8 with a
// byte order mark so Excel takes the file as UTF-8. Cells a spreadsheet would run as a formula
// (=, +, -, @, and tab or CR before them) get a leading apostrophe: customer text never runs.

/** Put before the first line: Excel reads the file as UTF-8 only with it. */
export const BOM = "\uFEFF";

const FORMULA = /^[=+\-@\t\r]/;

/** One cell: quoted, quotes doubled, a would-be formula made text. */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  const safe = FORMULA.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One line of cells, with its CRLF. */
export const csvLine = (cells: readonly (string | number | null | undefined)[]): string =>
  `${cells.map(csvCell).join(",")}\r\n`;

/**
 * Rows of a CSV text: quoted fields may hold commas, quotes ("") and line breaks; a byte order
 * mark and a last empty line are ignored. Throws naming the line of an unclosed quote.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let startedQuote = 1;
  const input = text.startsWith(BOM) ? text.slice(1) : text;
  const endField = () => {
    row.push(field);
    field = "";
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
      startedQuote = line;
    } else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && input[i + 1] === "\n") i++;
      endRow();
      line++;
    } else field += c;
  }
  if (quoted) throw new Error(`line ${startedQuote}: a quoted field is never closed`);
  if (field !== "" || row.length > 0) endRow();
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}
