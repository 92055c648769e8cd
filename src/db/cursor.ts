import { z } from "zod";

const cursorKeys = z.array(z.string());

/**
 * Keyset cursors: the sort keys of a page's last row, opaque to callers (base64 of a JSON
 * array), so the keys can change without breaking them.
 */
export const encodeCursor = (keys: readonly string[]): string =>
  btoa(JSON.stringify(keys)).replaceAll("=", "");

/** The `size` keys of a cursor, or null when the text is not a cursor of that shape. */
export function decodeCursor(text: string, size: number): string[] | null {
  try {
    const keys = cursorKeys.safeParse(JSON.parse(atob(text)));
    return keys.success && keys.data.length === size ? keys.data : null;
  } catch {
    return null;
  }
}
