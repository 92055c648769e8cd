import { validate } from "@readme/openapi-parser";
import { expect, inject, it } from "vitest";

it("GET /openapi.json is a valid OpenAPI 3.1 document of the ERP contract in both directions", async () => {
  const res = await fetch(`${inject("e2eUrl")}/openapi.json`);
  expect(res.status).toBe(200);
  const document = (await res.json()) as Parameters<typeof validate>[0] & {
    openapi: string;
    paths: object;
    webhooks: object;
  };
  // The validator dereferences the document it is given: hand it a copy.
  const result = await validate(structuredClone(document));
  expect(result.valid ? [] : result.errors).toEqual([]);
  expect(result.specification).toBe("OpenAPI");
  expect(document.openapi).toBe("3.1.0");
  expect(Object.keys(document.paths)).toEqual(["/webhooks/erp"]);
  expect(Object.keys(document.webhooks)).toEqual([
    "order.exported",
    "order.items.cancelled",
    "order.custom-reference.changed",
    "order.items.refunded",
    "order.process-migrated",
    "invoice.issued",
    "credit-note.issued",
  ]);
  // The e-invoice events carry the documents' facts and the UBL inline (schemas from domain/).
  const schemas = (document as unknown as { components: { schemas: Record<string, unknown> } })
    .components.schemas;
  const creditNote = JSON.stringify(schemas.CreditNoteIssued);
  for (const field of ["invoiceReference", "documents", "sha256", "ubl", "items", "shipping"])
    expect(creditNote).toContain(`"${field}"`);
  expect(JSON.stringify(schemas.InvoiceIssued)).toContain('"documents"');
});
