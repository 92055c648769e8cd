import { TRPCError } from "@trpc/server";
import { and, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../db/cursor";
import { invoices } from "../db/schema";
import { orderReference } from "../domain/inputs";
import {
  documentFormat,
  documentType,
  type InvoiceDetail,
  type InvoiceDocument,
  type InvoiceList,
  invoiceListItem,
  type ResentDocument,
} from "../domain/invoices";
import { limits } from "../domain/limits";
import { requiredText, wellFormed } from "../domain/text";
import { resendDocument } from "../invoices/issue";
import {
  CONTENT_TYPE,
  documentContent,
  documentInfo,
  documentsOf,
  parsedRow,
} from "../invoices/store";
import type { Context, Principal } from "./context";
import { actorOf } from "./orders";
import { backofficeProcedure, customerOrStaffProcedure, router, unwrap } from "./trpc";

const invoiceReference = requiredText(100);

export const listInvoicesInput = z.strictObject({
  orderReference: orderReference.optional(),
  /**
   * The documents of any of these orders (an export joins a page of orders with them); at most
   * 50, which keeps the query under D1's 100 bound parameters.
   */
  orderReferences: z.array(orderReference).min(1).max(50).optional(),
  /** Only invoices, or only credit notes; both by default. */
  type: documentType.optional(),
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

/** The invoice or credit note, if the caller may see it; NOT_FOUND otherwise. */
async function owned(ctx: { db: Context["db"]; principal: Principal }, reference: string) {
  const row = await ctx.db
    .select()
    .from(invoices)
    .where(and(eq(invoices.reference, reference), ownedBy(ctx.principal)))
    .get();
  if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `invoice ${reference} not found` });
  return parsedRow(row);
}

export const invoicesRouter = router({
  /** Issued invoices and credit notes, newest first, without their documents. */
  list: customerOrStaffProcedure
    .input(listInvoicesInput)
    .query(async ({ ctx, input }): Promise<InvoiceList> => {
      const cursor = input.cursor === undefined ? undefined : invoiceCursor(input.cursor);
      const rows = await ctx.db
        .select({
          reference: invoices.reference,
          type: invoices.type,
          number: invoices.number,
          orderReference: invoices.orderReference,
          invoiceReference: invoices.invoiceReference,
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
            input.orderReferences === undefined
              ? undefined
              : inArray(invoices.orderReference, input.orderReferences),
            input.type === undefined ? undefined : eq(invoices.type, input.type),
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
        // Checked as they leave D1 (the JSON totals, the type).
        invoices: page.map((row) => {
          const grandTotal = row.totals.grandTotal;
          return invoiceListItem.parse({
            ...row,
            grandTotal: typeof grandTotal === "number" ? grandTotal : null,
          });
        }),
        nextCursor:
          rows.length > input.limit && last ? encodeCursor([last.issuedAt, last.reference]) : null,
      };
    }),

  /**
   * One invoice or credit note with its documents' facts (format, type, size, SHA-256) and its
   * HTML (from R2); another customer's is NOT_FOUND.
   */
  get: customerOrStaffProcedure
    .input(z.strictObject({ reference: invoiceReference }))
    .query(async ({ ctx, input }): Promise<InvoiceDetail> => {
      const row = await owned(ctx, input.reference);
      return {
        reference: row.reference,
        type: row.type,
        number: row.number,
        orderReference: row.orderReference,
        ...(row.invoiceReference ? { invoiceReference: row.invoiceReference } : {}),
        customerReference: row.customerReference,
        issuedAt: row.issuedAt,
        currency: row.currency,
        totals: row.totals,
        documents: documentInfo(await documentsOf(ctx.env, row)),
        html: (await documentContent(ctx.env, row, "html")) ?? "",
        templateVersion: row.templateVersion,
        mailedAt: row.mailedAt,
      };
    }),

  /** One document of an invoice or credit note: the HTML or the UBL (EN 16931) XML. */
  document: customerOrStaffProcedure
    .input(z.strictObject({ reference: invoiceReference, format: documentFormat }))
    .query(async ({ ctx, input }): Promise<InvoiceDocument> => {
      const row = await owned(ctx, input.reference);
      const content = await documentContent(ctx.env, row, input.format);
      if (content === null)
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `format: ${input.reference} was issued before e-invoices and has no ${input.format} document`,
        });
      return {
        reference: row.reference,
        format: input.format,
        contentType: CONTENT_TYPE[input.format],
        content,
      };
    }),

  /** Mails a stored invoice or credit note to the customer (and the BCC list) again. */
  resend: backofficeProcedure
    .input(z.strictObject({ reference: invoiceReference }))
    .mutation(async ({ ctx, input }): Promise<ResentDocument> => {
      const sent = unwrap(await resendDocument(ctx.env, input.reference));
      const { reference, mailedAt } = sent;
      const order = ctx.env.ORDERS.getByName(sent.orderReference);
      unwrap(await order.invoiceResent({ reference, mailedAt }, actorOf(ctx.principal)));
      return { reference, mailedAt };
    }),
});
