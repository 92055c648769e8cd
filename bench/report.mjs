// Plain-text tables for the terminal (and for docs/performance.md, which quotes them).

/** Formats a number: ms with 1 decimal under 100, integers above; ratios as "1.23x". */
export const fmt = {
  ms: (v) => (Number.isFinite(v) ? (v < 100 ? v.toFixed(1) : Math.round(v).toString()) : "-"),
  rps: (v) => (Number.isFinite(v) ? (v < 100 ? v.toFixed(1) : Math.round(v).toString()) : "-"),
  ratio: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "-"),
  int: (v) => (Number.isFinite(v) ? Math.round(v).toString() : "-"),
  pct: (v) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : "-"),
};

/**
 * Renders rows (arrays of cells) under headers. Columns whose header starts with "<" are left
 * aligned (the "<" is dropped), the others right aligned. A row `null` draws a rule.
 */
export function table(headers, rows) {
  const left = headers.map((h) => h.startsWith("<"));
  const names = headers.map((h) => (h.startsWith("<") ? h.slice(1) : h));
  const cells = rows.map(
    (r) => r?.map((c) => (c === undefined || c === null ? "" : String(c))) ?? null,
  );
  const widths = names.map((n, i) =>
    Math.max(n.length, ...cells.filter(Boolean).map((r) => (r[i] ?? "").length)),
  );
  const line = (r) =>
    r
      .map((c, i) => (left[i] ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(names), rule, ...cells.map((r) => (r ? line(r) : rule))].join("\n");
}

export function heading(text) {
  return `\n${text}\n${"=".repeat(text.length)}`;
}
