import { z } from "zod";
import { wellFormed } from "./text";

/**
 * A message on the `invoices` queue: the order's invoice, or (with `creditNote`) the credit note
 * for the money its history entry `creditNote` (a seq) moved out of the invoice.
 */
export const invoiceJob = z.object({
  orderReference: wellFormed().min(1).max(64),
  creditNote: z.number().int().min(1).optional(),
});
export type InvoiceJob = z.infer<typeof invoiceJob>;

/** The two kinds of document the invoicing issues, each under its own gap-free number series. */
export const documentType = z.enum(["invoice", "credit-note"]);
export type DocumentType = z.infer<typeof documentType>;

/** The formats every invoice and credit note is stored in. */
export const documentFormat = z.enum(["html", "ubl"]);
export type DocumentFormat = z.infer<typeof documentFormat>;

/** One stored document of an invoice or credit note (R2 key, size, SHA-256 of the bytes). */
export const storedDocument = z.object({
  format: documentFormat,
  contentType: z.string(),
  key: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});
export type StoredDocument = z.infer<typeof storedDocument>;

/** A document as callers see it: everything but where it is kept. */
export type DocumentInfo = Omit<StoredDocument, "key">;
