import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/schema";
import * as schema from "../db/schema";
import { sha256Hex } from "../domain/hash";
import {
  type DocumentFormat,
  type DocumentInfo,
  type DocumentType,
  documentMetadata,
  invoiceTotals,
  type StoredDocument,
  storedDocument,
} from "../domain/invoices";
import { HTML_CONTENT_TYPE } from "./html";
import { UBL_CONTENT_TYPE } from "./ubl";

export type DocumentRow = typeof schema.invoices.$inferSelect;

const storedDocuments = z.array(storedDocument);

/** A row as D1 returns it, its JSON columns checked (drizzle only types them). */
export const parsedRow = (row: DocumentRow): DocumentRow => ({
  ...row,
  totals: invoiceTotals.parse(row.totals),
  documents: row.documents === null ? null : storedDocuments.parse(row.documents),
});

const EXTENSION: Record<DocumentFormat, string> = { html: "html", ubl: "xml" };
export const CONTENT_TYPE: Record<DocumentFormat, string> = {
  html: HTML_CONTENT_TYPE,
  ubl: UBL_CONTENT_TYPE,
};

/** A document's file name in mails and downloads: `<number>.html`, `<number>.xml`. */
export const fileName = (reference: string, format: DocumentFormat) =>
  `${reference}.${EXTENSION[format]}`;

/**
 * Where a document is kept: per number and order version, written once. Two deliveries of one
 * job that read the order at different versions write different keys, so neither overwrites the
 * other; the D1 row (unique per invoice, per credit note) decides which pair is the document.
 */
const keyOf = (reference: string, version: number, format: DocumentFormat) =>
  `invoices/${reference}.v${version}.${EXTENSION[format]}`;

/** Both documents of one number, rendered for an issue date. */
export type Render = (issuedAt: string) => Record<DocumentFormat, string>;

/**
 * Stores the documents of `reference` at `version` unless they are stored already (immutable).
 * The UBL goes first: its issue date is the document's. A delivery that finds it written by
 * another delivery of the same version re-renders with that issue date, so the pair agrees.
 */
export async function storeDocuments(
  bucket: R2Bucket,
  input: { reference: string; version: number; orderReference: string; issuedAt: string },
  render: Render,
): Promise<{ issuedAt: string; documents: StoredDocument[] }> {
  const { reference, version, orderReference } = input;
  let issuedAt = input.issuedAt;
  let rendered = render(issuedAt);
  const ublKey = keyOf(reference, version, "ubl");
  const first = await put(bucket, ublKey, rendered.ubl, "ubl", { orderReference, issuedAt });
  if (first.issuedAt !== issuedAt) {
    issuedAt = first.issuedAt;
    rendered = render(issuedAt);
  }
  const html = await put(bucket, keyOf(reference, version, "html"), rendered.html, "html", {
    orderReference,
    issuedAt,
  });
  return { issuedAt, documents: [html.document, first.document] };
}

async function put(
  bucket: R2Bucket,
  key: string,
  content: string,
  format: DocumentFormat,
  facts: { orderReference: string; issuedAt: string },
): Promise<{ issuedAt: string; document: StoredDocument }> {
  const contentType = CONTENT_TYPE[format];
  const sha256 = await sha256Hex(content);
  const put = await bucket.put(key, content, {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType },
    customMetadata: { ...facts, sha256 },
  });
  if (put)
    return {
      issuedAt: facts.issuedAt,
      document: { format, contentType, key, size: put.size, sha256 },
    };
  const earlier = await bucket.head(key);
  const meta = documentMetadata.safeParse(earlier?.customMetadata);
  if (!earlier || !meta.success) throw new Error(`document ${key} exists but cannot be read back`);
  return {
    issuedAt: meta.data.issuedAt,
    document: { format, contentType, key, size: earlier.size, sha256: meta.data.sha256 },
  };
}

/** The stored documents of a row; invoices from before the UBL have their HTML only. */
export async function documentsOf(
  env: Pick<Env, "INVOICE_DOCUMENTS">,
  row: DocumentRow,
): Promise<StoredDocument[]> {
  if (row.documents) return row.documents;
  const content = await legacyHtml(env, row);
  return [
    {
      format: "html",
      contentType: HTML_CONTENT_TYPE,
      key: row.documentKey ?? "",
      size: new TextEncoder().encode(content).byteLength,
      sha256: await sha256Hex(content),
    },
  ];
}

/** Documents as callers see them (no storage keys). */
export const documentInfo = (documents: StoredDocument[]): DocumentInfo[] =>
  documents.map(({ key: _key, ...info }) => info);

/** One document's text, or null when the row has none in that format. */
export async function documentContent(
  env: Pick<Env, "INVOICE_DOCUMENTS">,
  row: DocumentRow,
  format: DocumentFormat,
): Promise<string | null> {
  if (!row.documents) return format === "html" ? legacyHtml(env, row) : null;
  const document = row.documents.find((d) => d.format === format);
  if (!document) return null;
  const object = await env.INVOICE_DOCUMENTS.get(document.key);
  if (!object) throw new Error(`${row.reference}: document ${document.key} is missing`);
  return object.text();
}

/** The HTML of invoices issued before documents came in pairs: in R2, or in D1 before that. */
async function legacyHtml(env: Pick<Env, "INVOICE_DOCUMENTS">, row: DocumentRow): Promise<string> {
  if (row.documentKey === null) {
    if (row.html === null) throw new Error(`invoice ${row.reference} has no document`);
    return row.html;
  }
  const object = await env.INVOICE_DOCUMENTS.get(row.documentKey);
  if (!object) throw new Error(`invoice ${row.reference}: document ${row.documentKey} is missing`);
  return object.text();
}

/** The order's invoice row, or its credit note for money entry `key`. */
export async function findDocument(
  db: Db,
  type: DocumentType,
  orderReference: string,
  key?: number,
): Promise<DocumentRow | undefined> {
  const { invoices } = schema;
  const row = await db
    .select()
    .from(invoices)
    .where(
      type === "invoice"
        ? and(eq(invoices.type, "invoice"), eq(invoices.orderReference, orderReference))
        : and(
            eq(invoices.type, "credit-note"),
            eq(invoices.orderReference, orderReference),
            eq(invoices.orderVersion, key ?? -1),
          ),
    )
    .get();
  return row && parsedRow(row);
}

export async function findByReference(db: Db, reference: string) {
  const row = await db
    .select()
    .from(schema.invoices)
    .where(eq(schema.invoices.reference, reference))
    .get();
  return row && parsedRow(row);
}

/**
 * Sets `mailed_at` and returns the stored value. The first mailing only fills an empty
 * column, so of two racing deliveries the first writer's time stays; a resend overwrites it.
 */
export async function markMailed(
  db: Db,
  reference: string,
  at: string,
  mode: "first" | "resend",
): Promise<string> {
  const { invoices } = schema;
  const byReference = eq(invoices.reference, reference);
  await db
    .update(invoices)
    .set({ mailedAt: at })
    .where(mode === "first" ? and(byReference, isNull(invoices.mailedAt)) : byReference);
  const row = await db
    .select({ mailedAt: invoices.mailedAt })
    .from(invoices)
    .where(byReference)
    .get();
  return row?.mailedAt ?? at;
}
