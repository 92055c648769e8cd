import { z } from "zod";

// Control characters (C0, DEL, C1) have no place in names, addresses or references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const controlChars = /[\u0000-\u001f\u007f-\u009f]/u;

/** Length in code points (what a person counts as characters), not UTF-16 units. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/** A trimmed single-line string of at most `max` code points, control characters rejected. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .refine((s) => !controlChars.test(s), "must not contain control characters")
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`);

export const requiredText = (max: number) =>
  text(max).refine((s) => s.length > 0, "must not be empty");

/** The buyer's own (ERP) reference: up to 255 code points, trimmed; empty means none. */
export const customOrderReference = text(255);
