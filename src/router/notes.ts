import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { addNote } from "../db/notes";
import { orders } from "../db/schema";
import { addNoteInput, type NoteView } from "../domain/notes";
import { actorLabel } from "../domain/principal";
import { serviceClock } from "../worker/service-clock";
import { actorOf } from "./orders";
import { router, staffProcedure } from "./trpc";

/** Internal notes: staff (back office and support) leave them on orders; customers never see them. */
export const notesRouter = router({
  /**
   * Leaves an internal note on an order (back office and support). Not a command on the order:
   * its version and history stay as they are; staff read the note in `orders.history`.
   */
  addNote: staffProcedure
    .input(addNoteInput)
    .mutation(async ({ ctx, input }): Promise<NoteView> => {
      const listed = await ctx.db
        .select({ reference: orders.reference })
        .from(orders)
        .where(eq(orders.reference, input.reference))
        .get();
      // D1 follows the order within moments; only an order placed this instant needs its object.
      if (!listed) {
        const known = await ctx.env.ORDERS.getByName(input.reference).events();
        if (!known.ok)
          throw new TRPCError({ code: "NOT_FOUND", message: `order ${input.reference} not found` });
      }
      return addNote(ctx.db, {
        orderReference: input.reference,
        at: new Date((await serviceClock(ctx.env))()).toISOString(),
        actor: actorLabel(actorOf(ctx.principal)),
        text: input.text,
      });
    }),
});
