import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const db = env.MIGRATION_DB;
const before = (name: string) => env.TEST_MIGRATIONS.filter((m) => m.name < name);

const insertInvoice = (columns: string, values: unknown[]) =>
  db
    .prepare(`INSERT INTO invoices (${columns}) VALUES (${values.map(() => "?").join(", ")})`)
    .bind(...values)
    .run();

const legacy =
  "reference, number, order_reference, customer_reference, customer_email, issued_at, currency, totals, html, document_key, document_bytes, template_version, mailed_at";

describe("migration 0011 (invoices and credit notes)", () => {
  it("carries the invoices issued before over as invoices, and numbers become unique per type", async () => {
    await applyD1Migrations(db, before("0011"));
    // One invoice with its HTML in D1 (before R2), one with its HTML in R2.
    await insertInvoice(legacy, [
      "Invoice-1",
      1,
      "ORD-OLD-1",
      "c-1",
      "c1@example.com",
      "2026-01-01T00:00:00.000Z",
      "EUR",
      '{"grandTotal":1190}',
      "<html>1</html>",
      null,
      null,
      1,
      "2026-01-01T00:00:01.000Z",
    ]);
    await insertInvoice(legacy, [
      "Invoice-2",
      2,
      "ORD-OLD-2",
      "c-2",
      "c2@example.com",
      "2026-01-02T00:00:00.000Z",
      "EUR",
      '{"grandTotal":2380}',
      null,
      "invoices/Invoice-2.html",
      1234,
      2,
      null,
    ]);
    await db
      .prepare(
        "INSERT INTO dead_letters (message_id, queue, body, attempts, received_at) VALUES ('m-1', 'invoices-dlq', '{}', 6, '2026-01-01')",
      )
      .run();
    await applyD1Migrations(db, env.TEST_MIGRATIONS);

    const rows = await db
      .prepare(
        "SELECT reference, type, number, invoice_reference, order_version, documents, html, document_key FROM invoices ORDER BY number",
      )
      .all();
    expect(rows.results).toEqual([
      {
        reference: "Invoice-1",
        type: "invoice",
        number: 1,
        invoice_reference: null,
        order_version: null,
        documents: null,
        html: "<html>1</html>",
        document_key: null,
      },
      {
        reference: "Invoice-2",
        type: "invoice",
        number: 2,
        invoice_reference: null,
        order_version: null,
        documents: null,
        html: null,
        document_key: "invoices/Invoice-2.html",
      },
    ]);
    const letter = await db.prepare("SELECT last_error FROM dead_letters").first();
    expect(letter).toEqual({ last_error: null });

    // A credit note may have number 1 (its own series), and one per order and money entry.
    const credit = (reference: string, version: number) =>
      insertInvoice(
        "reference, type, number, order_reference, invoice_reference, order_version, customer_reference, customer_email, issued_at, currency, totals, template_version",
        [
          reference,
          "credit-note",
          version === 7 ? 1 : 2,
          "ORD-OLD-1",
          "Invoice-1",
          version,
          "c-1",
          "c1@example.com",
          "2026-02-01",
          "EUR",
          "{}",
          3,
        ],
      );
    await credit("CreditNote-1", 7);
    await expect(credit("CreditNote-9", 7)).rejects.toThrow(/UNIQUE/);
    // Still one invoice per order, and one invoice per number.
    await expect(
      insertInvoice(legacy, [
        "Invoice-3",
        3,
        "ORD-OLD-1",
        "c",
        "c@e",
        "2026",
        "EUR",
        "{}",
        null,
        null,
        null,
        3,
        null,
      ]),
    ).rejects.toThrow(/UNIQUE/);
    await expect(
      insertInvoice(legacy, [
        "Invoice-X",
        2,
        "ORD-NEW",
        "c",
        "c@e",
        "2026",
        "EUR",
        "{}",
        null,
        null,
        null,
        3,
        null,
      ]),
    ).rejects.toThrow(/UNIQUE/);
  });
});
