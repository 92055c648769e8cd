import { asc, eq } from "drizzle-orm";
import type { NoteView } from "../domain/notes";
import { type Db, orderNotes } from "./schema";

/** Stores a note on an order and returns it as written. */
export async function addNote(
  db: Db,
  note: { orderReference: string; at: string; actor: string; text: string },
): Promise<NoteView> {
  const [row] = await db.insert(orderNotes).values(note).returning();
  if (!row) throw new Error(`the note on ${note.orderReference} was not stored`);
  return { id: row.id, at: row.at, actor: row.actor, text: row.text };
}

/** An order's notes, oldest first. */
export async function notesOf(db: Db, orderReference: string): Promise<NoteView[]> {
  return db
    .select({
      id: orderNotes.id,
      at: orderNotes.at,
      actor: orderNotes.actor,
      text: orderNotes.text,
    })
    .from(orderNotes)
    .where(eq(orderNotes.orderReference, orderReference))
    .orderBy(asc(orderNotes.id));
}
