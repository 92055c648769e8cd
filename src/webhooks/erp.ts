import { Hono } from "hono";
import { type ErpResponse, type ErpWebhookBody, erpWebhookBody } from "../domain/erp";
import type { ErrorCode } from "../domain/result";
import { importEvents } from "../worker/event-import";
import { type Receipt, Receipts } from "./receipts";
import { verifyWebhook } from "./signature";

type Refusal = Extract<ErpResponse["body"], { ok: false }>["error"];

const refusal = (
  code: string,
  message: string,
  extra: Omit<Refusal, "code" | "message"> = {},
): ErpResponse["body"] => ({ ok: false, error: { code, message, ...extra } });

const refused = (
  status: Exclude<ErpResponse["status"], 200>,
  code: string,
  message: string,
  extra: Omit<Refusal, "code" | "message"> = {},
): ErpResponse => ({ status, body: refusal(code, message, extra) });

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a handler gets besides its body: the webhook's id and hash, and its receipt. */
interface Delivery {
  env: Env;
  id: string;
  bodyHash: string;
  receipt: Receipt;
  receipts: Receipts;
}

type Handler<B> = (body: B, delivery: Delivery) => Promise<ErpResponse>;

/**
 * Commands for one order, named by our reference or the buyer's own (looked up in D1). An order
 * found by lookup is recorded before the order object is asked, so a retry of a request that
 * died half-way goes to the same order; the object checks the custom reference again under its
 * lock.
 */
const orderCommand: Handler<
  Extract<ErpWebhookBody, { type: "order.custom-reference.set" | "order.items.event" }>
> = async (body, delivery) => {
  const { order, ...command } = body;
  let reference = "reference" in order ? order.reference : delivery.receipt.orderReference;
  if (reference === null && "customOrderReference" in order) {
    const { results } = await delivery.env.DB.prepare(
      "SELECT reference FROM orders WHERE custom_order_reference = ? LIMIT 2",
    )
      .bind(order.customOrderReference)
      .all<{ reference: string }>();
    if (results.length > 1)
      return refused(
        409,
        "CONFLICT",
        "order.customOrderReference: more than one order has this reference",
        { references: results.map((r) => r.reference) },
      );
    const found = results[0];
    if (!found) return refused(404, "NOT_FOUND", "order: no order with this customOrderReference");
    reference = found.reference;
    // The lookup's result is the first answer's: a retry goes to this order, wherever D1 is.
    await delivery.receipts.resolved(delivery.id, reference);
  }
  if (reference === null) throw new Error(`webhook ${delivery.id} names no order`);
  const result = await delivery.env.ORDERS.getByName(reference).erp(command, {
    idempotencyKey: delivery.id,
    bodyHash: delivery.bodyHash,
    ...("customOrderReference" in order
      ? { foundBy: { customOrderReference: order.customOrderReference } }
      : {}),
  });
  return result.ok
    ? { status: 200, body: { ok: true, order: result.order } }
    : refused(erpStatus[result.code], result.code, result.message);
};

/** The HTTP status of an order object's refusal, as the ERP contract names them. */
const erpStatus: Record<ErrorCode, Exclude<ErpResponse["status"], 200>> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 422,
  PRECONDITION_FAILED: 412,
  FORBIDDEN: 400,
  INTERNAL_SERVER_ERROR: 400,
};

/**
 * A bulk status import: rows for many orders, applied per order (src/worker/event-import.ts),
 * idempotent by its import id; the same import id with other rows is refused like a reused
 * webhook id.
 */
const eventImport: Handler<Extract<ErpWebhookBody, { type: "orders.events.import" }>> = async (
  body,
  delivery,
) => {
  const { type: _type, ...input } = body;
  const result = await importEvents(delivery.env, input, { type: "erp" });
  if (!result.ok) return refused(422, result.code, result.message);
  return { status: 200, body: { ok: true, report: result.report } };
};

/** One handler per body type: a new inbound type is a schema in domain/erp.ts and a case here. */
const handle: Handler<ErpWebhookBody> = (body, delivery) => {
  switch (body.type) {
    case "order.custom-reference.set":
    case "order.items.event":
      return orderCommand(body, delivery);
    case "orders.events.import":
      return eventImport(body, delivery);
  }
};

/**
 * What a receipt keeps of an answer. An import's report (up to 10,000 rows) is kept by the
 * import itself, by its import id; the receipt keeps only that, and a replay asks the import
 * again, which answers with the same report.
 */
const recorded = (answer: ErpResponse): ErpResponse =>
  "report" in answer.body
    ? { status: answer.status, body: { ok: true, report: { ...answer.body.report, rows: [] } } }
    : answer;

function parse(raw: string): { body: ErpWebhookBody } | { refusal: ErpResponse } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { refusal: refused(400, "BAD_REQUEST", "body: not valid JSON") };
  }
  const parsed = erpWebhookBody.safeParse(json);
  if (parsed.success) return { body: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path.join(".") || "body";
  return {
    refusal: refused(400, "BAD_REQUEST", `${path}: ${issue?.message ?? "invalid"}`, {
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
        message: i.message,
      })),
    }),
  };
}

/**
 * ERP webhooks on Standard Webhooks: signed, and idempotent by `webhook-id` across the whole
 * service. The id is checked right after the signature and before anything else, so a repeat
 * gets the first answer (refusals such as 404 and 409 included) whatever happened since; the
 * same id with another body is 422.
 */
export const erpWebhooks = new Hono<{ Bindings: Env }>().post(
  "/webhooks/erp",
  // The body's size is limited for every /webhooks/* route in src/index.ts.
  async (c) => {
    const raw = await c.req.text();
    const verified = verifyWebhook(c.req.raw.headers, raw, c.env.ERP_WEBHOOK_SECRET);
    if (!verified.ok) return c.json(refusal("UNAUTHORIZED", verified.reason), 401);

    const { id } = verified;
    const bodyHash = await sha256Hex(raw);
    const receipts = new Receipts(c.env.DB);
    // A body that does not parse is answered from itself; the claim records that answer.
    const parsed = parse(raw);
    const badBody = "refusal" in parsed ? parsed.refusal : undefined;
    const receipt = await receipts.claim(id, bodyHash, new Date(), badBody);
    if (receipt.bodyHash !== bodyHash) {
      const reuse = refused(422, "CONFLICT", "webhook-id was already used for another body");
      return c.json(reuse.body, reuse.status);
    }
    const isImport = "body" in parsed && parsed.body.type === "orders.events.import";
    if (receipt.answer && !(isImport && receipt.answer.status === 200))
      return c.json(receipt.answer.body, receipt.answer.status);
    if ("refusal" in parsed) throw new Error(`webhook ${id}: a refusal was not recorded`);

    const delivery = { env: c.env, id, bodyHash, receipt, receipts };
    const answer = await handle(parsed.body, delivery);
    const first = await receipts.answered(id, recorded(answer));
    // The first answer wins; an import's report comes from the import, the same every time.
    return "report" in answer.body && first.status === 200
      ? c.json(answer.body, answer.status)
      : c.json(first.body, first.status);
  },
);
