import { TRPCError } from "@trpc/server";
import { desc, eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import { mails } from "../db/schema";
import { limits } from "../domain/limits";
import { type MailList, mailList } from "../domain/mails";
import { wellFormed } from "../domain/text";
import { router, staffProcedure } from "./trpc";

export const listMailsInput = z.strictObject({
  /** Mails this address received, as recipient or as a BCC copy. */
  to: wellFormed().trim().min(1).max(254).optional(),
  limit: z.number().int().min(1).max(limits.maxListLimit).default(20),
});

export const mailsRouter = router({
  /** Mails stored by the `capture` transport, newest first. */
  list: staffProcedure.input(listMailsInput).query(async ({ ctx, input }): Promise<MailList> => {
    const transport: string = ctx.env.MAIL_TRANSPORT;
    if (transport !== "capture")
      throw new TRPCError({
        code: "PRECONDITION_FAILED",
        message: `mails are only captured with MAIL_TRANSPORT=capture (it is ${transport})`,
      });
    const rows = await ctx.db
      .select()
      .from(mails)
      .where(
        input.to === undefined
          ? undefined
          : or(
              eq(mails.to, input.to),
              sql`exists (select 1 from json_each(${mails.bcc}) where json_each.value = ${input.to})`,
            ),
      )
      .orderBy(desc(mails.id))
      .limit(input.limit);
    // The JSON columns (bcc, attachments) are checked as they leave D1.
    return mailList.parse({ mails: rows });
  }),
});
