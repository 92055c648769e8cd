import { env } from "cloudflare:workers";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { sha256Hex } from "../../src/domain/hash";
import type { Role } from "../../src/domain/principal";
import { billedOf, documentContent } from "../../src/invoices/content";
import { htmlDocument } from "../../src/invoices/html";
import { ublDocument } from "../../src/invoices/ubl";
import { createDb } from "../../src/router/context";
import { invoicesRouter } from "../../src/router/invoices";
import { mailsRouter } from "../../src/router/mails";
import { sampleOrder, seller, withTotals } from "../invoices/fixtures";

const shopBcc = "books@shop.example";
const testEnv = { ...env, INVOICE_BCC: ` ${shopBcc} , ` } as unknown as Env;
const db = createDb(env.DB);

const contextFor = (role: Role, sub: string, over: Partial<Env> = {}) => ({
  env: { ...testEnv, ...over } as Env,
  db,
  principal: { role, sub },
  waitUntil: () => undefined,
});
const invoicesAs = (role: Role, sub = `${role}-1`, over: Partial<Env> = {}) =>
  invoicesRouter.createCaller(contextFor(role, sub, over));
const mailsAs = (role: Role, over: Partial<Env> = {}) =>
  mailsRouter.createCaller(contextFor(role, `${role}-1`, over));

// 25 invoices as invoices issued before e-invoices were stored (their HTML in D1, no UBL):
// customers alice (odd numbers) and bob (even), one per order, some sharing an issue time so the
// cursor's tie-breaker matters.
const documentFacts = (reference: string, issuedAt: string, order = withTotals(sampleOrder())) => ({
  type: "invoice" as const,
  reference,
  issuedAt,
  order,
  content: documentContent(order, billedOf(order)),
  seller,
  paymentMeans: { code: "58", prepaid: false },
  profile: "en16931" as const,
  prepaid: false,
});
const seeded = Array.from({ length: 25 }, (_, i) => {
  const number = i + 1;
  const customerReference = number % 2 ? "alice" : "bob";
  const orderReference = `ORD-API-${number}`;
  const reference = `Invoice-${number}`;
  const issuedAt = new Date(Date.UTC(2026, 10, 1, 8, Math.floor(number / 3))).toISOString();
  const order = withTotals(sampleOrder({ reference: orderReference, customerReference }));
  const facts = documentFacts(reference, issuedAt, order);
  const html = htmlDocument(facts);
  const totals = facts.content.totals;
  return {
    reference,
    number,
    orderReference,
    customerReference,
    customerEmail: `${customerReference}@example.com`,
    issuedAt,
    currency: "EUR",
    totals: { ...totals },
    html,
    templateVersion: 2,
    mailedAt: issuedAt,
  };
});
// One statement per row: D1 allows at most 100 bound parameters per statement.
for (const row of seeded) await db.insert(schema.invoices).values(row);

const code = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e: unknown) => (e instanceof TRPCError ? e.code : String(e)),
  );

describe("invoices.list", () => {
  it("pages through every invoice newest first without repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await invoicesAs("backoffice").list({ limit: 10, cursor });
      seen.push(...page.invoices.map((i) => i.reference));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    const expected = seeded
      .toSorted((a, b) =>
        a.issuedAt === b.issuedAt
          ? b.reference.localeCompare(a.reference)
          : b.issuedAt.localeCompare(a.issuedAt),
      )
      .map((i) => i.reference);
    expect(seen).toEqual(expected);
  });

  it("shows a customer only its own invoices, with summary fields and no document", async () => {
    const { invoices } = await invoicesAs("customer", "bob").list({ limit: 100 });
    expect(invoices).toHaveLength(12);
    expect(invoices.every((i) => i.customerReference === "bob")).toBe(true);
    expect(invoices[0]).toEqual({
      reference: "Invoice-24",
      type: "invoice",
      number: 24,
      orderReference: "ORD-API-24",
      invoiceReference: null,
      customerReference: "bob",
      issuedAt: seeded[23]?.issuedAt,
      currency: "EUR",
      totals: seeded[23]?.totals,
      grandTotal: 5010,
      mailedAt: seeded[23]?.issuedAt,
    });
    expect(invoices[0]).not.toHaveProperty("html");
  });

  it("filters by order reference, and a customer cannot see another's order's invoice", async () => {
    const own = await invoicesAs("customer", "alice").list({ orderReference: "ORD-API-3" });
    expect(own.invoices.map((i) => i.reference)).toEqual(["Invoice-3"]);
    const other = await invoicesAs("customer", "alice").list({ orderReference: "ORD-API-4" });
    expect(other).toEqual({ invoices: [], nextCursor: null });
  });

  it("rejects a forged cursor, a limit over 100, and callers other than customer or back office", async () => {
    expect(await code(invoicesAs("backoffice").list({ cursor: "not-a-cursor" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await code(invoicesAs("backoffice").list({ limit: 101 }))).toBe("BAD_REQUEST");
    expect(await code(invoicesAs("checkout").list({}))).toBe("FORBIDDEN");
  });
});

describe("invoices.get", () => {
  it("returns an invoice issued before e-invoices with its HTML, the only document it has", async () => {
    const invoice = await invoicesAs("customer", "alice").get({ reference: "Invoice-5" });
    expect(invoice).toMatchObject({
      reference: "Invoice-5",
      type: "invoice",
      orderReference: "ORD-API-5",
      issuedAt: seeded[4]?.issuedAt,
      currency: "EUR",
      totals: { grandTotal: 5010, taxTotal: 598 },
      mailedAt: seeded[4]?.issuedAt,
    });
    expect(invoice.html).toBe(seeded[4]?.html);
    const html = seeded[4]?.html ?? "";
    expect(invoice.documents).toEqual([
      {
        format: "html",
        contentType: "text/html; charset=utf-8",
        size: new TextEncoder().encode(html).byteLength,
        sha256: await sha256Hex(html),
      },
    ]);
    const alice = invoicesAs("customer", "alice");
    expect((await alice.document({ reference: "Invoice-5", format: "html" })).content).toBe(html);
    expect(await code(alice.document({ reference: "Invoice-5", format: "ubl" }))).toBe("NOT_FOUND");
  });

  it("returns a credit note with both documents from R2, its invoice named; lists filter by type", async () => {
    const issuedAt = "2026-11-02T09:00:00.000Z";
    const facts = {
      ...documentFacts("CreditNote-1", issuedAt),
      type: "credit-note" as const,
      invoice: { reference: "Invoice-1", issuedAt: seeded[0]?.issuedAt ?? "" },
    };
    const contents = { html: htmlDocument(facts), ubl: ublDocument(facts) };
    const documents = [];
    for (const format of ["html", "ubl"] as const) {
      const key = `invoices/CreditNote-1.v9.${format === "html" ? "html" : "xml"}`;
      await env.INVOICE_DOCUMENTS.put(key, contents[format]);
      documents.push({
        format,
        contentType: format === "html" ? "text/html; charset=utf-8" : "application/xml",
        key,
        size: new TextEncoder().encode(contents[format]).byteLength,
        sha256: await sha256Hex(contents[format]),
      });
    }
    await db.insert(schema.invoices).values({
      reference: "CreditNote-1",
      type: "credit-note",
      number: 1,
      orderReference: "ORD-API-1",
      invoiceReference: "Invoice-1",
      orderVersion: 9,
      customerReference: "alice",
      customerEmail: "alice@example.com",
      issuedAt,
      currency: "EUR",
      totals: { grandTotal: 5010 },
      documents,
      templateVersion: 3,
      mailedAt: null,
    });
    const alice = invoicesAs("customer", "alice");
    const credit = await alice.get({ reference: "CreditNote-1" });
    expect(credit).toMatchObject({ type: "credit-note", invoiceReference: "Invoice-1" });
    expect(credit.documents.map((d) => [d.format, d.size, d.sha256])).toEqual(
      documents.map((d) => [d.format, d.size, d.sha256]),
    );
    expect(credit.documents[0]).not.toHaveProperty("key");
    const ubl = await alice.document({ reference: "CreditNote-1", format: "ubl" });
    expect(ubl).toEqual({
      reference: "CreditNote-1",
      format: "ubl",
      contentType: "application/xml",
      content: contents.ubl,
    });
    const onlyCredits = await alice.list({ type: "credit-note" });
    expect(onlyCredits.invoices.map((i) => [i.reference, i.invoiceReference])).toEqual([
      ["CreditNote-1", "Invoice-1"],
    ]);
    const onlyInvoices = await alice.list({ type: "invoice", orderReference: "ORD-API-1" });
    expect(onlyInvoices.invoices.map((i) => i.reference)).toEqual(["Invoice-1"]);
    expect(
      await code(
        invoicesAs("customer", "bob").document({ reference: "CreditNote-1", format: "ubl" }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("answers NOT_FOUND for another customer's invoice and for an unknown one", async () => {
    expect(await code(invoicesAs("customer", "bob").get({ reference: "Invoice-5" }))).toBe(
      "NOT_FOUND",
    );
    expect(await code(invoicesAs("backoffice").get({ reference: "Invoice-999" }))).toBe(
      "NOT_FOUND",
    );
  });
});

describe("invoices.resend and mails.list", () => {
  it("is back office only, and NOT_FOUND for an unknown invoice", async () => {
    expect(await code(invoicesAs("customer", "bob").resend({ reference: "Invoice-2" }))).toBe(
      "FORBIDDEN",
    );
    expect(await code(invoicesAs("backoffice").resend({ reference: "Invoice-404" }))).toBe(
      "NOT_FOUND",
    );
    expect(await code(mailsAs("customer").list({}))).toBe("FORBIDDEN");
  });

  it("mails.list says PRECONDITION_FAILED when mails are not captured", async () => {
    expect(
      await code(
        mailsAs("backoffice", { MAIL_TRANSPORT: "http" } as unknown as Partial<Env>).list({}),
      ),
    ).toBe("PRECONDITION_FAILED");
  });
});
