import { Hono } from "hono";
import { erpWebhookBody } from "../domain/erp";
import { verifySignature } from "./signature";

const error = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  ok: false as const,
  error: { code, message, ...extra },
});

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * ERP webhooks: signed (HMAC-SHA256 over "<t>.<raw body>"), idempotent by `Idempotency-Key`,
 * addressed to an order by our reference or by the buyer's own (through D1).
 */
export const erpWebhooks = new Hono<{ Bindings: Env }>().post(
  "/webhooks/erp",
  // The body's size is limited for every /webhooks/* route in src/index.ts.
  async (c) => {
    const raw = await c.req.text();
    const verified = await verifySignature(
      c.req.header("x-signature"),
      raw,
      c.env.ERP_WEBHOOK_SECRET,
      Math.floor(Date.now() / 1000),
    );
    if (!verified.ok) return c.json(error("UNAUTHORIZED", verified.reason), 401);

    const key = c.req.header("idempotency-key")?.trim();
    if (!key || key.length > 255)
      return c.json(
        error("BAD_REQUEST", "Idempotency-Key header: required, 1 to 255 characters"),
        400,
      );

    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return c.json(error("BAD_REQUEST", "body: not valid JSON"), 400);
    }
    const parsed = erpWebhookBody.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join(".") || "body";
      return c.json(
        error("BAD_REQUEST", `${path}: ${issue?.message ?? "invalid"}`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
        }),
        400,
      );
    }
    const { order, ...command } = parsed.data;

    let reference: string;
    if ("reference" in order) reference = order.reference;
    else {
      const { results } = await c.env.DB.prepare(
        "SELECT reference FROM orders WHERE custom_order_reference = ? LIMIT 2",
      )
        .bind(order.customOrderReference)
        .all<{ reference: string }>();
      if (results.length > 1)
        return c.json(
          error("CONFLICT", "order.customOrderReference: more than one order has this reference", {
            references: results.map((r) => r.reference),
          }),
          409,
        );
      const found = results[0];
      if (!found)
        return c.json(error("NOT_FOUND", "order: no order with this customOrderReference"), 404);
      reference = found.reference;
    }

    const response = await c.env.ORDERS.getByName(reference).erp(command, {
      idempotencyKey: key,
      bodyHash: await sha256Hex(raw),
    });
    return c.json(response.body, response.status);
  },
);
