import { TRPCError } from "@trpc/server";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../db/cursor";
import { invoices } from "../db/schema";
import { orderReference } from "../domain/inputs";
import { limits } from "../domain/limits";
import { requiredText, wellFormed } from "../domain/text";
import { invoiceDocument, resendInvoice } from "../queue/invoices";
import type { Principal } from "./context";
import { actorOf } from "./orders";
import { backofficeProcedure, customerOrBackofficeProcedure, router, unwrap } from "./trpc";

const invoiceReference = requiredText(100);

export const listInvoicesInput = z.strictObject({
  orderReference: orderReference.optional(),
  cursor: wellFormed().max(500).optional(),
  limit: z.number().int().min(1).max(limits.maxListLimit).default(20),
});

function invoiceCursor(value: string): { issuedAt: string; reference: string } {
  const [issuedAt, reference] = decodeCursor(value, 2) ?? [];
  if (issuedAt === undefined || reference === undefined)
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: "cursor: not a cursor from invoices.list",
    });
  return { issuedAt, reference };
}

/** A customer sees only its own invoices; the back office sees all. */
const ownedBy = (principal: Principal): SQL | undefined =>
  principal.role === "customer" ? eq(invoices.customerReference, principal.sub) : undefined;

export const invoicesRouter = router({
  /** Issued invoices, newest first, without their documents. */
  list: customerOrBackofficeProcedure.input(listInvoicesInput).query(async ({ ctx, input }) => {
    const cursor = input.cursor === undefined ? undefined : invoiceCursor(input.cursor);
    const rows = await ctx.db
      .select({
        reference: invoices.reference,
        number: invoices.number,
        orderReference: invoices.orderReference,
        customerReference: invoices.customerReference,
        issuedAt: invoices.issuedAt,
        currency: invoices.currency,
        totals: invoices.totals,
        mailedAt: invoices.mailedAt,
      })
      .from(invoices)
      .where(
        and(
          ownedBy(ctx.principal),
          input.orderReference === undefined
            ? undefined
            : eq(invoices.orderReference, input.orderReference),
          cursor === undefined
            ? undefined
            : or(
                lt(invoices.issuedAt, cursor.issuedAt),
                and(
                  eq(invoices.issuedAt, cursor.issuedAt),
                  lt(invoices.reference, cursor.reference),
                ),
              ),
        ),
      )
      .orderBy(desc(invoices.issuedAt), desc(invoices.reference))
      .limit(input.limit + 1);
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      invoices: page.map(({ totals, ...row }) => ({
        ...row,
        grandTotal: typeof totals.grandTotal === "number" ? totals.grandTotal : null,
      })),
      nextCursor:
        rows.length > input.limit && last ? encodeCursor([last.issuedAt, last.reference]) : null,
    };
  }),

  /** One invoice with its stored document (from R2); another customer's invoice is NOT_FOUND. */
  get: customerOrBackofficeProcedure
    .input(z.strictObject({ reference: invoiceReference }))
    .query(async ({ ctx, input }) => {
      const row = await ctx.db
        .select()
        .from(invoices)
        .where(and(eq(invoices.reference, input.reference), ownedBy(ctx.principal)))
        .get();
      if (!row)
        throw new TRPCError({ code: "NOT_FOUND", message: `invoice ${input.reference} not found` });
      return {
        reference: row.reference,
        number: row.number,
        orderReference: row.orderReference,
        customerReference: row.customerReference,
        issuedAt: row.issuedAt,
        currency: row.currency,
        totals: row.totals,
        html: await invoiceDocument(ctx.env, row),
        templateVersion: row.templateVersion,
        mailedAt: row.mailedAt,
      };
    }),

  /** Mails a stored invoice to the customer (and the BCC list) again. */
  resend: backofficeProcedure
    .input(z.strictObject({ reference: invoiceReference }))
    .mutation(async ({ ctx, input }) => {
      const sent = unwrap(await resendInvoice(ctx.env, ctx.db, input.reference));
      const { reference, mailedAt } = sent;
      const order = ctx.env.ORDERS.getByName(sent.orderReference);
      unwrap(await order.invoiceResent({ reference, mailedAt }, actorOf(ctx.principal)));
      return { reference, mailedAt };
    }),
});
