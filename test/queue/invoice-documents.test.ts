import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientAs } from "../helpers";
import {
  allocatedNumber,
  consume,
  documentOf,
  highestNumber,
  invoicesOf,
  job,
  mailsFor,
  place,
  readOrder,
} from "./consume";

/** Bytes of a D1 row as stored: every column's text. */
const rowBytes = (row: Record<string, unknown>) =>
  new TextEncoder().encode(JSON.stringify(row)).byteLength;

describe("the invoice number comes last", () => {
  it("a job that fails before numbering (a broken SELLER) consumes no number", async () => {
    const order = await place();
    const before = await highestNumber();
    const broken = { ...env, SELLER: '{"name":"Demo Shop GmbH"}' } as Env;
    const failed = await consume([job(order.reference)], { env: broken });
    expect(failed.acked).toEqual([false]);
    expect(failed.retried[0]).toBeDefined();
    expect(await allocatedNumber(order.reference)).toBeNull();
    expect(await invoicesOf(order.reference)).toEqual([]);

    // Another order is invoiced meanwhile: it takes the next number, no gap before it.
    const other = await place();
    await consume([job(other.reference)]);
    expect((await invoicesOf(other.reference))[0]?.number).toBe(before + 1);
    // The first order, once SELLER is fixed, continues the sequence.
    await consume([job(order.reference, 2)]);
    expect((await invoicesOf(order.reference))[0]?.number).toBe(before + 2);
  });
});

describe("invoice documents in R2", () => {
  it("the document is in INVOICE_DOCUMENTS under the invoice's reference; D1 keeps the metadata", async () => {
    const order = await place();
    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    expect(invoice).toMatchObject({
      html: null,
      documentKey: `invoices/${invoice?.reference}.html`,
    });
    const object = await env.INVOICE_DOCUMENTS.head(invoice?.documentKey ?? "");
    expect(object?.httpMetadata?.contentType).toBe("text/html; charset=utf-8");
    expect(object?.size).toBe(invoice?.documentBytes);
    const document = await documentOf(invoice);
    expect(document).toContain(`<dd>${invoice?.reference}</dd>`);
    expect(document).toContain(order.reference);
    expect(document).toContain(`datetime="${invoice?.issuedAt}"`);

    // invoices.get still answers with the document, for the customer as for the back office.
    const customer = await clientAs("customer", order.customerReference);
    const read = await customer.invoices.get.query({ reference: invoice?.reference ?? "" });
    expect(read.html).toBe(document);
  });

  it("the invoice mail is a short message with the document attached, by its R2 key", async () => {
    const order = await place();
    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    const [mail, ...more] = await mailsFor(invoice?.reference ?? "");
    expect(more).toEqual([]);
    expect(mail?.html).toContain(invoice?.reference);
    expect(mail?.html).not.toContain("<table");
    expect(mail?.attachments).toEqual([
      {
        filename: `${invoice?.reference}.html`,
        contentType: "text/html; charset=utf-8",
        bytes: invoice?.documentBytes,
        storageKey: invoice?.documentKey,
      },
    ]);
  });

  it("deliveries racing on one order agree on one document and one row", async () => {
    const order = await place();
    await Promise.all([1, 2, 3, 4].map(() => consume([job(order.reference)])));
    const [invoice, ...others] = await invoicesOf(order.reference);
    expect(others).toEqual([]);
    const document = await documentOf(invoice);
    // The row's facts are the stored document's, whichever delivery stored it.
    expect(document).toContain(`datetime="${invoice?.issuedAt}"`);
    expect(new TextEncoder().encode(document ?? "").byteLength).toBe(invoice?.documentBytes);
    expect(await mailsFor(invoice?.reference ?? "")).toHaveLength(1);
  });

  it("a 10,000-line order: the document is in R2, the D1 rows stay small, the mail is captured", async () => {
    // Names a little longer than "Product 1": a document well past 2 MB.
    const order = await place({
      lines: Array.from({ length: 10_000 }, (_, i) => ({
        sku: `SKU-${i + 1}`,
        name: `Product ${i + 1}, a long enough name for a line of a large order`,
        quantity: 1,
        unitPrice: 1190,
        taxRate: 19,
        isQuantitySplittable: true,
        shipment: "home",
      })),
    });
    const verdict = await consume([job(order.reference)]);
    expect(verdict.acked).toEqual([true]);
    const [invoice] = await invoicesOf(order.reference);
    const document = await documentOf(invoice);
    // Past D1's 2 MB row limit: it could not have been a row.
    expect(invoice?.documentBytes).toBeGreaterThan(2_000_000);
    expect(document).toContain("Product 10000, a long enough name");
    expect(rowBytes(invoice ?? {})).toBeLessThan(4_000);

    const [mail] = await mailsFor(invoice?.reference ?? "");
    expect(rowBytes(mail ?? {})).toBeLessThan(4_000);
    expect(mail?.attachments[0]).toMatchObject({
      bytes: invoice?.documentBytes,
      storageKey: invoice?.documentKey,
    });
    expect((await readOrder(order.reference)).invoice?.reference).toBe(invoice?.reference);
  });
});
