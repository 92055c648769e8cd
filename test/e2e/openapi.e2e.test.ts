import { validate } from "@readme/openapi-parser";
import { expect, inject, it } from "vitest";
import { appRouter } from "../../src/router";
import { E2E_SECRETS, mintToken, signWebhook } from "./server";

interface Operation {
  operationId: string;
  security: { bearer?: string[] }[];
  parameters?: { name: string; in: string; content?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, { get?: Operation; post?: Operation }>;
  webhooks: object;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, { description: string }>;
    securitySchemes: object;
  };
}

async function fetchDocument(): Promise<Document> {
  const res = await fetch(`${inject("e2eUrl")}/openapi.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

it("GET /openapi.json is a valid OpenAPI 3.1 document of the whole HTTP API and the ERP webhooks", async () => {
  const document = await fetchDocument();
  // The validator dereferences the document it is given: hand it a copy.
  const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
  expect(result.valid ? [] : result.errors).toEqual([]);
  expect(result.specification).toBe("OpenAPI");
  expect(document.openapi).toBe("3.1.0");
  expect(Object.keys(document.webhooks)).toEqual([
    "order.exported",
    "order.items.cancelled",
    "order.custom-reference.changed",
    "order.items.refunded",
    "order.process-migrated",
    "invoice.issued",
    "credit-note.issued",
  ]);
  const erp = document.paths["/webhooks/erp"]?.post;
  expect(erp?.operationId).toBe("erpWebhook");
  expect(Object.keys(erp?.responses ?? {})).toEqual(
    expect.arrayContaining(["200", "400", "401", "404", "409", "412", "413", "422", "500"]),
  );
  // The e-invoice events carry the documents' facts and the UBL inline (schemas from domain/).
  const creditNote = JSON.stringify(document.components.schemas.CreditNoteIssued);
  for (const field of ["invoiceReference", "documents", "sha256", "ubl", "items", "shipping"])
    expect(creditNote).toContain(`"${field}"`);
  expect(JSON.stringify(document.components.schemas.InvoiceIssued)).toContain('"documents"');
});

it("describes every tRPC procedure as it is called over HTTP, with its roles, input, output and errors", async () => {
  const document = await fetchDocument();
  const procedures = Object.entries(appRouter._def.procedures).map(([path, procedure]) => ({
    path,
    type: (procedure as unknown as { _def: { type: string } })._def.type,
  }));
  expect(procedures.length).toBeGreaterThan(30);
  for (const { path, type } of procedures) {
    const item = document.paths[`/trpc/${path}`];
    const operation = type === "query" ? item?.get : item?.post;
    expect(operation, path).toBeDefined();
    if (!operation) continue;
    // Every output is declared: the 200 names a schema for `result.data`, never "anything".
    const ok = JSON.stringify(operation.responses["200"]?.content?.["application/json"]?.schema);
    expect(ok, path).toMatch(/"data":\{"(\$ref|type|anyOf|oneOf|allOf)"/);
    const statuses = Object.keys(operation.responses);
    const isPublic = operation.security.length === 0;
    expect(statuses, path).toEqual(
      isPublic
        ? ["200", "400", "404", "409", "412", "413", "422", "500"]
        : ["200", "400", "401", "403", "404", "409", "412", "413", "422", "500"],
    );
  }
  expect(document.paths["/trpc/auth.signIn"]?.post?.security).toEqual([]);
  expect(document.paths["/trpc/orders.place"]?.post?.requestBody).toBeDefined();
  const get = document.paths["/trpc/orders.get"]?.get;
  expect(get?.parameters?.[0]).toMatchObject({ name: "input", in: "query" });
  expect(get?.parameters?.[0]?.content).toHaveProperty("application/json");
  expect(document.paths["/trpc/{procedures}"]?.get?.operationId).toBe("batchQuery");
  expect(document.components.responses.Error500?.description).toContain("errorId");
});

it("the error bodies the service answers have the documented shape", async () => {
  const document = await fetchDocument();
  const schema = JSON.stringify(document.components.schemas.TrpcError);
  const url = inject("e2eUrl");
  const token = await mintToken("customer", "openapi-test");
  // 400 (bad input, naming the field), 401 (no token), 403 (a role the procedure does not allow).
  const answers = [
    await fetch(`${url}/trpc/orders.get?input=${encodeURIComponent('{"reference":1}')}`, {
      headers: { authorization: `Bearer ${await mintToken("backoffice", "openapi-test")}` },
    }),
    await fetch(`${url}/trpc/orders.list?input=%7B%7D`),
    await fetch(`${url}/trpc/orders.place`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    }),
  ];
  expect(answers.map((res) => res.status)).toEqual([400, 401, 403]);
  for (const res of answers) {
    const body = (await res.json()) as {
      error: { message: string; code: number; data: { code: string; httpStatus: number } };
    };
    expect(typeof body.error.message).toBe("string");
    expect(typeof body.error.code).toBe("number");
    expect(body.error.data.httpStatus).toBe(res.status);
    expect(schema).toContain(`"${body.error.data.code}"`);
  }
  // The ERP webhook answers in its own documented shape.
  const hook = signWebhook({ type: "order.custom-reference.set" });
  const refused = await fetch(`${url}/webhooks/erp`, { method: "POST", ...hook });
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { ok: boolean }).ok).toBe(false);
  expect(E2E_SECRETS.ERP_WEBHOOK_SECRET).toMatch(/^whsec_/);
});
