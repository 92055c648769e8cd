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
    "invoice.issued",
  ]);
});
