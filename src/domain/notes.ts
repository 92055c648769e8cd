import { z } from "zod";
import { orderReference } from "./inputs";
import { jsonObject } from "./json";
import { codePoints, wellFormed } from "./text";

/** The longest note, in characters (code points). */
export const MAX_NOTE_LENGTH = 2_000;

// Control characters other than line breaks and tabs: a note may have paragraphs, nothing else.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
const controlChars = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/** `orders.addNote`: an internal note on an order, for staff only. */
export const addNoteInput = z.strictObject({
  reference: orderReference,
  text: wellFormed()
    .trim()
    .refine((s) => s.length > 0, "must not be empty")
    .refine(
      (s) => codePoints(s) <= MAX_NOTE_LENGTH,
      `must be at most ${MAX_NOTE_LENGTH} characters`,
    )
    .refine((s) => !controlChars.test(s), "must not contain control characters"),
});
export type AddNoteInput = z.infer<typeof addNoteInput>;

/** A note as `orders.addNote` returns it. */
export const noteView = z.object({
  id: z.number().int(),
  /** ISO 8601 in UTC, from the service's clock. */
  at: z.iso.datetime(),
  /** `<role>:<sub>` of whoever wrote it, as history actors read. */
  actor: z.string(),
  text: z.string(),
});
export interface NoteView extends z.infer<typeof noteView> {}

/**
 * A note among the history entries staff read (`orders.history`): no `seq` (a note is never a
 * version of the order) and no items. A note never carries `event`, `from`, `to` or `data`;
 * they are declared (optional) so code that reads them off every entry of a history compiles.
 */
export const historyNote = noteView.extend({
  type: z.literal("note"),
  itemIds: z.array(z.string()).length(0),
  event: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  data: jsonObject.optional(),
});
export interface HistoryNote extends z.infer<typeof historyNote> {}
