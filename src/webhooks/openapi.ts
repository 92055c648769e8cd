import { z } from "zod";
import "../domain/erp";
import { erpEvents } from "../domain/erp-events";

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const signatureHeaders = (direction: "in" | "out") => [
  {
    name: "webhook-id",
    in: "header",
    required: true,
    schema: { type: "string", maxLength: 255 },
    description:
      direction === "in"
        ? "Unique per message, the same on every retry of it: the idempotency key of the whole service. A repeat gets the first answer; the same id with another body is 422."
        : "msg_<orderReference>_<sequence>: the same on every retry; deduplicate by it.",
  },
  {
    name: "webhook-timestamp",
    in: "header",
    required: true,
    schema: { type: "string", pattern: "^[0-9]+$" },
    description: "Unix seconds of this attempt; 300 s tolerance.",
  },
  {
    name: "webhook-signature",
    in: "header",
    required: true,
    schema: { type: "string" },
    description: `Space-separated \`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">\`, keyed with the base64-decoded part of the \`whsec_\` secret (${direction === "in" ? "ERP_WEBHOOK_SECRET" : "ERP_EXPORT_SECRET"}). Standard Webhooks (standardwebhooks.com).`,
  },
];

const refusal = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("ErpRefused") } },
});

/**
 * The ERP contract in both directions as OpenAPI 3.1, generated from the zod schemas that parse
 * and describe the bodies (no schema is written twice): `POST /webhooks/erp` under `paths`,
 * every outbound event under `webhooks`.
 */
export function openApiDocument() {
  // Every schema given an id with .meta() becomes a component (domain/erp.ts, erp-events.ts, order-view.ts).
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    io: "input",
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  });
  for (const schema of Object.values(schemas)) delete schema.$schema;

  return {
    openapi: "3.1.0",
    info: {
      title: "edge-oms ERP interface",
      version: "1",
      description:
        "Order events to the ERP and commands from it, both signed with Standard Webhooks. See the README's section 'ERP integration'.",
    },
    paths: {
      "/webhooks/erp": {
        post: {
          operationId: "erpWebhook",
          summary: "A command from the ERP for one order",
          parameters: signatureHeaders("in"),
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("ErpWebhookBody") } },
          },
          responses: {
            "200": {
              description: "applied (or the first answer of this webhook-id)",
              content: { "application/json": { schema: ref("ErpAccepted") } },
            },
            "400": refusal("the body is not valid; the message names the field"),
            "401": refusal("missing, stale or wrong signature; nothing changed"),
            "404": refusal("no such order (or it no longer has that custom reference)"),
            "409": refusal("several orders have this custom reference"),
            "412": refusal("no targeted item's state accepts the event"),
            "413": refusal("the body exceeds 1 MiB"),
            "422": refusal("this webhook-id was used for another body"),
          },
        },
      },
    },
    webhooks: Object.fromEntries(
      Object.entries(erpEvents).map(([type, schema]) => [
        type,
        {
          post: {
            operationId: eventId(type),
            summary: schema.description ?? type,
            description:
              "POSTed to ERP_EXPORT_URL. Per order one at a time in sequence; retried with backoff for at least 24 h while the answer is not 2xx within 15 s.",
            parameters: signatureHeaders("out"),
            requestBody: {
              required: true,
              content: { "application/json": { schema: ref(eventId(type)) } },
            },
            responses: {
              "2XX": { description: "received; the next event of the order follows" },
              default: { description: "retried later, with the same webhook-id" },
            },
          },
        },
      ]),
    ),
    components: { schemas },
  };
}

/** `order.items.cancelled` -> `OrderItemsCancelled`. */
const eventId = (type: string) =>
  type
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
