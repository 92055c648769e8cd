import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import { INTERNAL_ERROR_MESSAGE } from "./domain/internal-error";
import { limits } from "./domain/limits";
import { roles } from "./domain/principal";
import { outputSchema } from "./openapi-outputs";
import { appRouter } from "./router";
import { openApiDocument as erpDocument } from "./webhooks/openapi";

/**
 * The whole HTTP API as one OpenAPI 3.1 document (`GET /openapi.json`), generated from the zod
 * schemas the procedures parse with, so it cannot differ from them: every tRPC procedure as it is
 * called over HTTP (a query `GET /trpc/<path>?input=<JSON>`, a mutation `POST /trpc/<path>` with
 * the JSON input as its body, both answering `{ result: { data } }`), the batch form once, the
 * bearer token and the roles per procedure, every error status with tRPC's error body, and the
 * ERP webhooks in both directions (webhooks/openapi.ts).
 */

type JsonObject = { [key: string]: unknown };

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The error statuses the API answers, with tRPC's code and when it comes. */
const errors = {
  "400": ["BAD_REQUEST", "bad input: `message` and `data.issues` name each field; nothing changed"],
  "401": ["UNAUTHORIZED", "no token, or an invalid or expired one: the message says which"],
  "403": ["FORBIDDEN", "the token's role may not call this procedure, or not on this order"],
  "404": ["NOT_FOUND", "no such order, invoice, delivery ... (or not the customer's own)"],
  "409": [
    "CONFLICT",
    "an idempotency key or import id reused for another request, or `expectedVersion` is not the order's version",
  ],
  "412": [
    "PRECONDITION_FAILED",
    "the order's or item's state does not allow it; `data.details` says why",
  ],
  "413": ["PAYLOAD_TOO_LARGE", `the body exceeds ${limits.maxTrpcBodyBytes} bytes`],
  "422": ["UNPROCESSABLE_CONTENT", "understood but cannot be applied as asked"],
  "500": [
    "INTERNAL_SERVER_ERROR",
    `a fault of the service: the message is "${INTERNAL_ERROR_MESSAGE}" and \`data.errorId\` names the log line`,
  ],
} as const;

const trpcError = {
  type: "object",
  description: "tRPC's error body (JSON-RPC 2.0 style).",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["message", "code", "data"],
      properties: {
        message: { type: "string", description: "for people: names the fields or the reason" },
        code: { type: "integer", description: "the JSON-RPC code of data.code, e.g. -32600" },
        data: {
          type: "object",
          required: ["code", "httpStatus"],
          properties: {
            code: { type: "string", enum: Object.keys(TRPC_ERROR_CODES_BY_KEY) },
            httpStatus: { type: "integer" },
            path: { type: "string", description: "the procedure" },
            issues: {
              type: "array",
              description: "400: each problem with the input, by field path",
              items: {
                type: "object",
                required: ["message"],
                properties: {
                  path: { type: "array", items: { type: ["string", "integer"] } },
                  message: { type: "string" },
                },
              },
            },
            details: { type: "object", description: "412, 409 ...: facts about the refusal" },
            errorId: { type: "string", description: "500: the id of the log line" },
          },
        },
      },
    },
  },
};

/** Points `#/$defs/<id>` refs at the components, under the names in `names`. */
function rewriteRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, names));
  if (!isObject(value)) return value;
  return rewriteObject(value, names);
}

function rewriteObject(value: JsonObject, names: Map<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    const id =
      key === "$ref" && typeof inner === "string"
        ? /^#\/\$defs\/(.+)$/.exec(inner)?.[1]
        : undefined;
    out[key] = id ? `#/components/schemas/${names.get(id) ?? id}` : rewriteRefs(inner, names);
  }
  return out;
}

/** The error body outside tRPC (index.ts onError, unknown routes): never a stack. */
const serviceError = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "INTERNAL_SERVER_ERROR, NOT_FOUND, ..." },
        message: { type: "string" },
        errorId: { type: "string", description: "500: the id of the log line" },
      },
    },
  },
};

/** A schema as JSON Schema, with the ids it names hoisted into `defs` (refs point there). */
function jsonSchema(schema: z.ZodType, io: "input" | "output", defs: Map<string, JsonObject>) {
  const {
    $schema: _,
    $defs: local,
    ...converted
  } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
  });
  // An id whose input and output shapes differ gets a second name for the output.
  const names = new Map<string, string>();
  const found = Object.entries(local ?? {});
  for (const [id, def] of found) {
    const known = defs.get(id);
    const differs = known && JSON.stringify(known) !== JSON.stringify(rewriteObject(def, names));
    names.set(id, differs ? `${id}Output` : id);
  }
  for (const [id, def] of found) defs.set(names.get(id) ?? id, rewriteObject(def, names));
  return rewriteObject(converted, names);
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const procedureDef = z.object({
  type: z.enum(["query", "mutation", "subscription"]),
  inputs: z.array(z.unknown()),
  meta: z.object({ roles: z.array(z.enum(roles)).optional() }).optional(),
});

/** `orders.get` -> `orders`. */
const tag = (path: string) => path.split(".")[0] ?? path;

/** `orders.get` -> `ordersGet`. */
const operationId = (path: string) => path.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

function errorResponses(isPublic: boolean) {
  return Object.fromEntries(
    Object.entries(errors)
      .filter(([status]) => !isPublic || (status !== "401" && status !== "403"))
      .map(([status]) => [status, { $ref: `#/components/responses/Error${status}` }]),
  );
}

/** The paths of every procedure, and the schemas they name. */
function procedurePaths(defs: Map<string, JsonObject>) {
  const paths: JsonObject = {};
  for (const [path, procedure] of Object.entries(appRouter._def.procedures)) {
    // The record is flat at run time ("orders.get"); its type also admits the sub-routers.
    if (!("_def" in procedure)) continue;
    const def = procedureDef.parse(procedure._def);
    if (def.type === "subscription") continue;
    const [input, ...more] = def.inputs.filter((parser) => parser instanceof z.ZodType);
    if (more.length > 0) throw new Error(`${path}: one input schema per procedure, please`);
    const output = outputSchema(path);
    const allowed = def.meta?.roles;
    const inputSchema = input ? jsonSchema(input, "input", defs) : undefined;
    const required = input ? !input.safeParse(undefined).success : false;
    const operation: JsonObject = {
      operationId: operationId(path),
      tags: [tag(path)],
      summary: path,
      description: allowed
        ? `Roles: ${allowed.join(", ")}. Details: docs/api.md, section ${tag(path)}.`
        : "No token needed.",
      security: allowed ? [{ bearer: [] }] : [],
      responses: {
        "200": {
          description: "the procedure's result",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["result"],
                properties: {
                  result: {
                    type: "object",
                    required: ["data"],
                    properties: { data: output ? jsonSchema(output, "output", defs) : {} },
                  },
                },
              },
            },
          },
        },
        ...errorResponses(!allowed),
      },
    };
    if (def.type === "query") {
      if (inputSchema)
        operation.parameters = [
          {
            name: "input",
            in: "query",
            required,
            description: "the input as JSON, URL-encoded",
            content: { "application/json": { schema: inputSchema } },
          },
        ];
      paths[`/trpc/${path}`] = { get: operation };
    } else {
      if (inputSchema)
        operation.requestBody = {
          required,
          content: { "application/json": { schema: inputSchema } },
        };
      paths[`/trpc/${path}`] = { post: operation };
    }
  }
  return paths;
}

/** Several calls in one request: described once, for queries and for mutations. */
function batchPath() {
  const common = {
    tags: ["batch"],
    security: [{ bearer: [] }],
    parameters: [
      {
        name: "procedures",
        in: "path",
        required: true,
        description: `the procedures' paths, comma-separated (at most ${limits.maxBatchCalls}), all queries or all mutations, e.g. \`orders.get,orders.history\``,
        schema: { type: "string" },
      },
      { name: "batch", in: "query", required: true, schema: { const: "1" } },
    ],
    responses: {
      "200": {
        description:
          "one envelope per call, in order: `{ result: { data } }` or an error body. The status is the calls' when they share one, else 207.",
        content: {
          "application/json": {
            schema: {
              type: "array",
              items: { oneOf: [{ type: "object", required: ["result"] }, ref("TrpcError")] },
            },
          },
        },
      },
      "207": {
        description: "the calls answered with different statuses: each envelope says its own",
      },
      ...errorResponses(false),
    },
  };
  const inputs = {
    type: "object",
    description: 'each call\'s input by its index: `{ "0": …, "1": … }`',
    additionalProperties: true,
  };
  return {
    get: {
      ...common,
      operationId: "batchQuery",
      summary: "several queries in one request",
      parameters: [
        ...common.parameters,
        { name: "input", in: "query", content: { "application/json": { schema: inputs } } },
      ],
    },
    post: {
      ...common,
      operationId: "batchMutation",
      summary: "several mutations in one request",
      requestBody: { content: { "application/json": { schema: inputs } } },
    },
  };
}

/** The document `GET /openapi.json` serves. */
export function apiDocument() {
  const erp = erpDocument();
  const defs = new Map<string, JsonObject>(
    Object.entries(erp.components.schemas).map(([id, schema]) => [id, { ...schema }]),
  );
  const trpc = procedurePaths(defs);
  return {
    openapi: "3.1.0",
    info: {
      title: "edge-oms",
      version: "1",
      description:
        "Order management: the tRPC API over HTTP (plain JSON, no transformer), the ERP's webhook and the order events sent to the ERP. Generated from the zod schemas the service parses with.",
    },
    servers: [{ url: "http://127.0.0.1:8787", description: "npm run dev" }],
    tags: [...new Set(Object.keys(trpc).map((path) => tag(path.slice("/trpc/".length))))]
      .map((name) => ({ name }))
      .concat([{ name: "batch" }, { name: "erp" }, { name: "service" }]),
    paths: {
      ...trpc,
      "/trpc/{procedures}": batchPath(),
      ...Object.fromEntries(
        Object.entries(erp.paths).map(([path, item]) => [
          path,
          {
            post: {
              ...item.post,
              tags: ["erp"],
              security: [],
              responses: {
                ...item.post.responses,
                "500": {
                  description: errors["500"][1],
                  content: { "application/json": { schema: ref("ServiceError") } },
                },
              },
            },
          },
        ]),
      ),
      "/healthz": {
        get: {
          operationId: "healthz",
          tags: ["service"],
          summary: "liveness",
          security: [],
          responses: {
            "200": {
              description: "the Worker answers",
              content: {
                "application/json": {
                  schema: { type: "object", properties: { ok: { const: true } } },
                },
              },
            },
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          tags: ["service"],
          summary: "this document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
        },
      },
    },
    webhooks: erp.webhooks,
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: `HS256 with JWT_SECRET; claims sub, role (${roles.join(", ")}) and exp.`,
        },
      },
      schemas: { ...Object.fromEntries(defs), TrpcError: trpcError, ServiceError: serviceError },
      responses: Object.fromEntries(
        Object.entries(errors).map(([status, [code, description]]) => [
          `Error${status}`,
          {
            description: `${code}: ${description}`,
            content: { "application/json": { schema: ref("TrpcError") } },
          },
        ]),
      ),
    },
  };
}
