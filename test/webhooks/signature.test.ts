import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { webhookHeaders } from "../../scripts/test-auth.mjs";
import { verifyWebhook } from "../../src/webhooks/signature";

// The example of the Standard Webhooks specification (standardwebhooks.com, "Verifying webhooks"):
// what any library in any language signs for this id, time and body with this secret.
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const headersOf = (h: Record<string, string>) => new Headers(h);
const now = () => new Date();

function signed(body: string, id = "msg_1", secret = SPEC.secret, at = now()) {
  return headersOf(webhookHeaders({ secret, body, id, at }));
}

describe("Standard Webhooks signatures", () => {
  it("the package signs the specification's example as the specification says", () => {
    const at = new Date(Number(SPEC.timestamp) * 1000);
    expect(new Webhook(SPEC.secret).sign(SPEC.id, at, SPEC.body)).toBe(SPEC.signature);
  });

  it("accepts what the package signs, and one good signature among several", () => {
    const headers = signed(SPEC.body);
    expect(verifyWebhook(headers, SPEC.body, SPEC.secret)).toEqual({ ok: true, id: "msg_1" });
    headers.set("webhook-signature", `v1,AAAA ${headers.get("webhook-signature")}`);
    expect(verifyWebhook(headers, SPEC.body, SPEC.secret).ok).toBe(true);
  });

  it("accepts either of two configured secrets (our own rotation)", () => {
    const other = `whsec_${btoa("another-secret-of-thirty-two-byt")}`;
    const headers = signed(SPEC.body, "msg_2", other);
    expect(verifyWebhook(headers, SPEC.body, `${SPEC.secret} ${other}`).ok).toBe(true);
    expect(verifyWebhook(headers, SPEC.body, SPEC.secret).ok).toBe(false);
  });

  it("refuses missing headers, another secret, another body or id, stale and future times", () => {
    const good = signed(SPEC.body);
    const without = (name: string) => {
      const h = new Headers(good);
      h.delete(name);
      return h;
    };
    const cases: [Headers, string, RegExp][] = [
      [without("webhook-id"), SPEC.body, /missing/],
      [without("webhook-timestamp"), SPEC.body, /missing/],
      [without("webhook-signature"), SPEC.body, /missing/],
      [
        signed(SPEC.body, "msg_1", `whsec_${btoa("not-the-secret-of-thirty-two-byt")}`),
        SPEC.body,
        /does not match/,
      ],
      [good, `${SPEC.body} `, /does not match/],
      [
        headersOf({ ...Object.fromEntries(good), "webhook-id": "msg_other" }),
        SPEC.body,
        /does not match/,
      ],
      [
        signed(SPEC.body, "msg_1", SPEC.secret, new Date(Date.now() - 301_000)),
        SPEC.body,
        /too old/,
      ],
      [
        signed(SPEC.body, "msg_1", SPEC.secret, new Date(Date.now() + 301_000)),
        SPEC.body,
        /too new/,
      ],
      [
        headersOf({ ...Object.fromEntries(good), "webhook-timestamp": "1e9" }),
        SPEC.body,
        /unix seconds/,
      ],
      [
        headersOf({ ...Object.fromEntries(good), "webhook-id": "x".repeat(256) }),
        SPEC.body,
        /longer/,
      ],
    ];
    for (const [headers, body, reason] of cases)
      expect(verifyWebhook(headers, body, SPEC.secret)).toEqual({
        ok: false,
        reason: expect.stringMatching(reason),
      });
  });

  it("accepts a time just inside the 300 s tolerance", () => {
    const headers = signed(SPEC.body, "msg_1", SPEC.secret, new Date(Date.now() - 290_000));
    expect(verifyWebhook(headers, SPEC.body, SPEC.secret).ok).toBe(true);
  });

  it("refuses everything while no secret is configured", () => {
    expect(verifyWebhook(signed(SPEC.body), SPEC.body, "")).toEqual({
      ok: false,
      reason: "webhook secret is not configured",
    });
  });
});
