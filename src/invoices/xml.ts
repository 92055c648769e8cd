// A small XML writer: elements as strings, every text and attribute value escaped by
// construction (docs/invoices.md says why not a library: the documents are flat and known, and
// xmlbuilder2 would add 781 KiB to the Worker).

/** Escaped XML. Only `el` and `raw` make one, so text reaches the output escaped or not at all. */
export class Xml {
  constructor(readonly value: string) {}
}

// XML 1.0 allows tab, newline and carriage return among the C0 controls, and no U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to drop
const notXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(notXml, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

export type Child = Xml | string | number | null | undefined | false | readonly Child[];

function write(out: string[], child: Child) {
  if (child === null || child === undefined || child === false) return;
  if (child instanceof Xml) out.push(child.value);
  else if (Array.isArray(child)) for (const c of child) write(out, c);
  else out.push(escapeXml(String(child)));
}

/**
 * `<name attrs>children</name>`; attributes whose value is undefined are left out. An element
 * without children is left out entirely (UBL has no meaningful empty elements), so optional
 * values can be passed as they are.
 */
export function el(
  name: string,
  attrs: Record<string, string | undefined> | null,
  ...children: Child[]
): Xml | null {
  const inner: string[] = [];
  for (const c of children) write(inner, c);
  if (inner.length === 0 || inner.every((s) => s === "")) return null;
  let open = name;
  if (attrs)
    for (const [key, value] of Object.entries(attrs))
      if (value !== undefined) open += ` ${key}="${escapeXml(value)}"`;
  return new Xml(`<${open}>${inner.join("")}</${name}>`);
}

/** `el` without attributes. */
export const e = (name: string, ...children: Child[]) => el(name, null, ...children);

/** A whole document: the declaration and its root. */
export function document(root: Xml | null): string {
  if (!root) throw new Error("an empty XML document");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root.value}\n`;
}
