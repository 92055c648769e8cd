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

/** What is kept with an issued document in R2 besides its bytes (custom metadata). */
export const documentMetadata = z.object({
  orderReference: z.string(),
  issuedAt: z.string(),
  sha256: z.string(),
});
export type DocumentMetadata = z.infer<typeof documentMetadata>;

/** An invoice's totals as D1 keeps them: amounts, and lists of amounts (tax per category and rate). */
export const invoiceTotals = z.record(
  z.string(),
  z.union([z.number(), z.array(z.record(z.string(), z.union([z.number(), z.string()])))]),
);
export type InvoiceTotals = z.infer<typeof invoiceTotals>;

/** A document as callers and the ERP hear of it: everything but where it is kept. */
export const documentInfo = storedDocument.omit({ key: true });
export type DocumentInfo = z.infer<typeof documentInfo>;

/** What the invoice consumer reports to the order once an invoice is issued (and when mailed). */
export const issuedInvoiceReport = z.object({
  reference: z.string(),
  issuedAt: z.string(),
  mailedAt: z.string().nullable(),
  /** The order version the invoice bills. */
  version: z.number().int(),
  /** The invoice's totals as stored with it, for the ERP's `invoice.issued`. */
  totals: invoiceTotals.optional(),
  documents: z.array(documentInfo).optional(),
  /** The UBL document inline for the ERP, when it is small enough. */
  ubl: z.string().optional(),
});
export type IssuedInvoiceReport = z.infer<typeof issuedInvoiceReport>;

/** What the invoice consumer reports to the order once a credit note is issued (and when mailed). */
export const issuedCreditNoteReport = z.object({
  /** The money entry (history seq) it credits. */
  key: z.number().int(),
  reference: z.string(),
  invoiceReference: z.string(),
  issuedAt: z.string(),
  mailedAt: z.string().nullable(),
  totals: invoiceTotals,
  items: z.array(
    z.object({
      lineId: z.string(),
      sku: z.string(),
      quantity: z.number().int(),
      amount: z.number().int(),
      netAmount: z.number().int(),
    }),
  ),
  shipping: z.array(
    z.object({
      shipmentId: z.string(),
      taxCategory: z.string(),
      taxRate: z.number(),
      amount: z.number().int(),
      netAmount: z.number().int(),
    }),
  ),
  documents: z.array(documentInfo),
  ubl: z.string().optional(),
});
export type IssuedCreditNoteReport = z.infer<typeof issuedCreditNoteReport>;

/** A row of `invoices.list`: an invoice or credit note without its documents. */
export const invoiceListItem = z.object({
  reference: z.string(),
  type: documentType,
  number: z.number().int(),
  orderReference: z.string(),
  invoiceReference: z.string().nullable(),
  customerReference: z.string(),
  issuedAt: z.string(),
  currency: z.string(),
  totals: invoiceTotals,
  mailedAt: z.string().nullable(),
  grandTotal: z.number().nullable(),
});
export interface InvoiceListItem extends z.infer<typeof invoiceListItem> {}

export const invoiceList = z.object({
  invoices: z.array(invoiceListItem),
  nextCursor: z.string().nullable(),
});
export interface InvoiceList extends z.infer<typeof invoiceList> {}

/** `invoices.get`: one invoice or credit note, its documents' facts and its HTML. */
export const invoiceDetail = z.object({
  reference: z.string(),
  type: documentType,
  number: z.number().int(),
  orderReference: z.string(),
  /** A credit note's invoice. */
  invoiceReference: z.string().optional(),
  customerReference: z.string(),
  issuedAt: z.string(),
  currency: z.string(),
  totals: invoiceTotals,
  documents: z.array(documentInfo),
  html: z.string(),
  templateVersion: z.number().int(),
  mailedAt: z.string().nullable(),
});
export interface InvoiceDetail extends z.infer<typeof invoiceDetail> {}

/** `invoices.document`: one document's text. */
export const invoiceDocument = z.object({
  reference: z.string(),
  format: documentFormat,
  contentType: z.string(),
  content: z.string(),
});
export interface InvoiceDocument extends z.infer<typeof invoiceDocument> {}

/** `invoices.resend`: when it was mailed again. */
export const resentDocument = z.object({ reference: z.string(), mailedAt: z.string() });
export interface ResentDocument extends z.infer<typeof resentDocument> {}
