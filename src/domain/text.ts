import { z } from "zod";

// Control characters (C0, DEL, C1) have no place in names, addresses or references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const controlChars = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * Any accepted string: well-formed Unicode. A lone surrogate ("\ud800", legal in JSON) cannot be
 * encoded as UTF-8, so SQLite and D1 would store it as replacement characters and lookups by
 * it would disagree with what the order object keeps.
 */
const isWellFormed = (s: string) => s.isWellFormed();
const notWellFormed = "must be well-formed Unicode (no lone surrogates)";
export const wellFormed = () => z.string().refine(isWellFormed, notWellFormed);
/** Length in code points (what a person counts as characters), not UTF-16 units. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/** A trimmed single-line string of at most `max` code points, control characters rejected. */
export const text = (max: number) =>
  wellFormed()
    .trim()
    .refine((s) => !controlChars.test(s), "must not contain control characters")
    .refine((s) => codePoints(s) <= max, `must be at most ${max} characters`);

export const requiredText = (max: number) =>
  text(max).refine((s) => s.length > 0, "must not be empty");

/** An email address (at most 254 characters, RFC 5321). */
export const email = () => z.email().max(254).refine(isWellFormed, notWellFormed);

/** The buyer's own (ERP) reference: up to 255 code points, trimmed; empty means none. */
export const customOrderReference = text(255);
