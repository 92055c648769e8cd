// Tokens and webhook signatures as the service's callers make them: a shop's backend mints an
// HS256 bearer token, an ERP signs its webhooks the Standard Webhooks way. One place for the
// tests (inside workerd and in Node), the bench and the developer scripts; types in
// test-auth.d.mts. Signing is done by the `standardwebhooks` package, never by our own code, so a
// mistake in the service's verifier cannot be cancelled out by the same mistake here.
import { sign } from "hono/jwt";
import { Webhook } from "standardwebhooks";

/** A bearer token: HS256 over `{ sub, role, iat, exp: iat + ttlSeconds }`. */
export function mintToken({ secret, role, sub, ttlSeconds = 3600 }) {
  const iat = Math.floor(Date.now() / 1000);
  return sign({ sub, role, iat, exp: iat + ttlSeconds }, secret, "HS256");
}

/**
 * The headers of a Standard Webhooks message: `webhook-id` (random unless given),
 * `webhook-timestamp` (`at`, default now) and `webhook-signature` over the raw body, plus the
 * JSON content type. Throws when `secret` is not a `whsec_` secret.
 */
export function webhookHeaders({
  secret,
  body,
  id = `msg_${crypto.randomUUID()}`,
  at = new Date(),
}) {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}
