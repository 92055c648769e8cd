import { Webhook, WebhookVerificationError } from "standardwebhooks";

/**
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix
 * seconds, 300 s tolerance both ways) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<raw body>">`, several space-separated for the sender's secret rotation),
 * with `whsec_<base64 key>` secrets. Checked by the reference library (constant-time compare).
 * Our own rotation: the secret variable may hold several secrets, space-separated; one match
 * is enough.
 */
export type VerifyResult = { ok: true; id: string } | { ok: false; reason: string };

/** Bounds the work one request can cause; rotation needs two, a few more is generous. */
const MAX_SIGNATURES = 8;
const MAX_ID_LENGTH = 255;

export function verifyWebhook(headers: Headers, rawBody: string, secrets: string): VerifyResult {
  const id = headers.get("webhook-id") ?? "";
  const timestamp = headers.get("webhook-timestamp") ?? "";
  const signature = headers.get("webhook-signature") ?? "";
  if (!id || !timestamp || !signature)
    return {
      ok: false,
      reason: "missing webhook-id, webhook-timestamp or webhook-signature header",
    };
  if (id.length > MAX_ID_LENGTH)
    return { ok: false, reason: `webhook-id is longer than ${MAX_ID_LENGTH} characters` };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: "webhook-timestamp must be unix seconds" };
  if (signature.split(" ").length > MAX_SIGNATURES)
    return { ok: false, reason: `more than ${MAX_SIGNATURES} signatures` };
  const keys = secrets.split(/\s+/).filter(Boolean);
  if (keys.length === 0) return { ok: false, reason: "webhook secret is not configured" };
  let reason = "signature does not match";
  for (const key of keys) {
    try {
      new Webhook(key).verify(
        rawBody,
        {
          "webhook-id": id,
          "webhook-timestamp": timestamp,
          "webhook-signature": signature,
        },
        { jsonParse: false },
      );
      return { ok: true, id };
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      // The timestamp fails alike for every key: say so rather than "does not match".
      if (/timestamp/i.test(error.message)) reason = `${error.message} (300 s tolerance)`;
    }
  }
  return { ok: false, reason };
}
