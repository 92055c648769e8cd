/** A bearer token: HS256 over `{ sub, role, iat, exp: iat + ttlSeconds }` (default 3600). */
export function mintToken(options: {
  secret: string;
  /** `customer`, `checkout` or `backoffice`; any other string mints a token the service refuses. */
  role: string;
  sub: string;
  ttlSeconds?: number;
}): Promise<string>;

/** A type, not an interface, so it is assignable to `Record<string, string>` and `HeadersInit`. */
export type WebhookHeaders = {
  "content-type": "application/json";
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** Standard Webhooks headers for the raw `body`, signed by the `standardwebhooks` package. */
export function webhookHeaders(options: {
  /** `whsec_…` */
  secret: string;
  /** The raw body, signed byte for byte. */
  body: string;
  /** `webhook-id`; default `msg_<random UUID>`. */
  id?: string;
  /** `webhook-timestamp`; default now. */
  at?: Date;
}): WebhookHeaders;
