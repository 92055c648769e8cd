import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/domain/hash";
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
  it("a job that fails before numbering (a broken SELLER) is dead-lettered at once, naming the field, and consumes no number", async () => {
    const order = await place();
    const before = await highestNumber();
    const broken = { ...env, SELLER: '{"name":"Demo Shop GmbH"}' } as Env;
    const failed = await consume([job(order.reference)], { env: broken });
    // No backoff: waiting cannot fix a configuration. Kept as a dead letter with the error.
    expect(failed.acked).toEqual([true]);
    expect(failed.retried).toEqual([undefined]);
    expect(await allocatedNumber(order.reference)).toBeNull();
    expect(await invoicesOf(order.reference)).toEqual([]);
    const backoffice = await clientAs("backoffice");
    const { deadLetters } = await backoffice.deadLetters.list.query({});
    const letter = deadLetters.find(
      (d) => (d.body as { orderReference?: string }).orderReference === order.reference,
    );
    expect(letter?.lastError).toMatch(
      /SELLER is invalid: SELLER.address: .*SELLER.electronicAddress/,
    );

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
  it("both documents are in INVOICE_DOCUMENTS, immutable; D1 keeps their size and SHA-256", async () => {
    const order = await place();
    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    const version = invoice?.orderVersion;
    expect(version).toBe(order.version);
    expect(invoice).toMatchObject({ html: null, documentKey: null });
    expect(invoice?.documents?.map((d) => [d.format, d.contentType, d.key])).toEqual([
      ["html", "text/html; charset=utf-8", `invoices/${invoice?.reference}.v${version}.html`],
      ["ubl", "application/xml", `invoices/${invoice?.reference}.v${version}.xml`],
    ]);
    for (const d of invoice?.documents ?? []) {
      const object = await env.INVOICE_DOCUMENTS.get(d.key);
      const text = (await object?.text()) ?? "";
      expect(object?.httpMetadata?.contentType).toBe(d.contentType);
      expect(object?.size).toBe(d.size);
      expect(await sha256Hex(text)).toBe(d.sha256);
    }
    const html = await documentOf(invoice);
    expect(html).toContain(`<dd>${invoice?.reference}</dd>`);
    expect(html).toContain(order.reference);
    expect(html).toContain(`datetime="${invoice?.issuedAt}"`);
    const ubl = await documentOf(invoice, "ubl");
    expect(ubl).toContain(`<cbc:IssueDate>${invoice?.issuedAt.slice(0, 10)}</cbc:IssueDate>`);

    // invoices.get and invoices.document answer for the customer as for the back office.
    const customer = await clientAs("customer", order.customerReference);
    const read = await customer.invoices.get.query({ reference: invoice?.reference ?? "" });
    expect(read.html).toBe(html);
    expect(read.documents).toEqual(invoice?.documents?.map(({ key: _key, ...d }) => d));
    const xml = await customer.invoices.document.query({
      reference: invoice?.reference ?? "",
      format: "ubl",
    });
    expect(xml.content).toBe(ubl);
  });

  it("the mail is a short message with both documents attached, by their R2 keys", async () => {
    const order = await place();
    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    const [mail, ...more] = await mailsFor(invoice?.reference ?? "");
    expect(more).toEqual([]);
    expect(mail?.html).toContain(invoice?.reference);
    expect(mail?.html).not.toContain("<table");
    const [html, ubl] = invoice?.documents ?? [];
    expect(mail?.attachments).toEqual([
      {
        filename: `${invoice?.reference}.html`,
        contentType: "text/html; charset=utf-8",
        bytes: html?.size,
        storageKey: html?.key,
      },
      {
        filename: `${invoice?.reference}.xml`,
        contentType: "application/xml",
        bytes: ubl?.size,
        storageKey: ubl?.key,
      },
    ]);
  });

  it("deliveries racing on one order agree on one pair of documents and one row", async () => {
    const order = await place();
    await Promise.all([1, 2, 3, 4].map(() => consume([job(order.reference)])));
    const [invoice, ...others] = await invoicesOf(order.reference);
    expect(others).toEqual([]);
    // The row's facts are the stored documents', whichever delivery stored them.
    const html = await documentOf(invoice);
    const ubl = await documentOf(invoice, "ubl");
    expect(html).toContain(`datetime="${invoice?.issuedAt}"`);
    expect(ubl).toContain(`<cbc:IssueDate>${invoice?.issuedAt.slice(0, 10)}</cbc:IssueDate>`);
    expect(await sha256Hex(html ?? "")).toBe(invoice?.documents?.[0]?.sha256);
    expect(await sha256Hex(ubl ?? "")).toBe(invoice?.documents?.[1]?.sha256);
    expect(await mailsFor(invoice?.reference ?? "")).toHaveLength(1);
  });

  it("a 10,000-line order: the documents are in R2, the D1 rows stay small, the mail is captured", async () => {
    // Names a little longer than "Product 1": documents well past 2 MB.
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
    const [html, ubl] = invoice?.documents ?? [];
    // Past D1's 2 MB row limit: they could not have been rows.
    expect(html?.size).toBeGreaterThan(2_000_000);
    expect(ubl?.size).toBeGreaterThan(2_000_000);
    expect(await documentOf(invoice, "ubl")).toContain("Product 10000, a long enough name");
    expect(rowBytes(invoice ?? {})).toBeLessThan(4_000);

    const [mail] = await mailsFor(invoice?.reference ?? "");
    expect(rowBytes(mail ?? {})).toBeLessThan(4_000);
    expect(mail?.attachments.map((a) => [a.bytes, a.storageKey])).toEqual([
      [html?.size, html?.key],
      [ubl?.size, ubl?.key],
    ]);
    expect((await readOrder(order.reference)).invoice?.reference).toBe(invoice?.reference);
  });
});
