/**
 * Keyset cursors: the sort keys of a page's last row, opaque to callers (base64 of a JSON
 * array), so the keys can change without breaking them.
 */
export const encodeCursor = (keys: readonly string[]): string =>
  btoa(JSON.stringify(keys)).replaceAll("=", "");

/** The `size` keys of a cursor, or null when the text is not a cursor of that shape. */
export function decodeCursor(text: string, size: number): string[] | null {
  try {
    const value: unknown = JSON.parse(atob(text));
    return Array.isArray(value) &&
      value.length === size &&
      value.every((v: unknown) => typeof v === "string")
      ? (value as string[])
      : null;
  } catch {
    return null;
  }
}
