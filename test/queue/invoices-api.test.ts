import { env } from "cloudflare:workers";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import type { Role } from "../../src/domain/principal";
import { renderInvoice, TEMPLATE_VERSION } from "../../src/queue/render";
import { createDb } from "../../src/router/context";
import { invoicesRouter } from "../../src/router/invoices";
import { mailsRouter } from "../../src/router/mails";
import { sampleOrder, seller } from "./fixtures";

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

// 25 invoices: customers alice (odd numbers) and bob (even), one per order, some sharing an
// issue time so the cursor's tie-breaker matters.
const seeded = Array.from({ length: 25 }, (_, i) => {
  const number = i + 1;
  const customerReference = number % 2 ? "alice" : "bob";
  const orderReference = `ORD-API-${number}`;
  const reference = `Invoice-${number}`;
  const issuedAt = new Date(Date.UTC(2026, 10, 1, 8, Math.floor(number / 3))).toISOString();
  const order = sampleOrder({ reference: orderReference, customerReference });
  const { html, totals } = renderInvoice({ order, reference, issuedAt, seller });
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
    templateVersion: TEMPLATE_VERSION,
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
      number: 24,
      orderReference: "ORD-API-24",
      customerReference: "bob",
      issuedAt: seeded[23]?.issuedAt,
      currency: "EUR",
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
  it("returns the stored invoice with its document", async () => {
    const invoice = await invoicesAs("customer", "alice").get({ reference: "Invoice-5" });
    expect(invoice).toMatchObject({
      reference: "Invoice-5",
      orderReference: "ORD-API-5",
      issuedAt: seeded[4]?.issuedAt,
      currency: "EUR",
      totals: { grandTotal: 5010, taxTotal: 598 },
      mailedAt: seeded[4]?.issuedAt,
    });
    expect(invoice.html).toBe(seeded[4]?.html);
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
