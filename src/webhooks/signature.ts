/**
 * ERP webhook signatures: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Several `v1` entries may be present so an ERP can sign with the old and the new secret
 * while a secret is being rotated; one valid entry is enough.
 */

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const encoder = new TextEncoder();

/** A SHA-256 HMAC is 32 bytes, so a v1 value is exactly 64 hex digits. */
const HEX_SIGNATURE = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;
/** Bounds the work one request can cause; rotation needs two, a few more is generous. */
const MAX_SIGNATURES = 8;

function importKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** The hex `v1` value for a body sent at `timestamp` (unix seconds). */
export async function signPayload(
  secret: string,
  timestamp: number,
  rawBody: string,
): Promise<string> {
  const key = await importKey(secret, "sign");
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${rawBody}`));
  return toHex(mac);
}

interface ParsedHeader {
  timestamp: number;
  signatures: Uint8Array<ArrayBuffer>[];
}

/** `null` when the header is not `t=<digits>` plus one or more `v1=<64 hex>` entries. */
function parseHeader(header: string): ParsedHeader | null {
  let timestamp: number | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      // Two timestamps would make it ambiguous which one was signed.
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return null;
      timestamp = Number(value);
    } else if (key === "v1") {
      if (!HEX_SIGNATURE.test(value)) return null;
      signatures.push(fromHex(value));
    }
    // Other schemes (a future v2, say) are ignored so senders can add them before we check them.
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    return null;
  }
  return { timestamp, signatures };
}

/**
 * Checks an `X-Signature` header against the raw request body. `nowSeconds` is passed in so
 * the caller decides the clock (and tests can pin it).
 */
export async function verifySignature(
  header: string | null | undefined,
  rawBody: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): Promise<VerifyResult> {
  if (!header) return { ok: false, reason: "missing X-Signature header" };
  const parsed = parseHeader(header);
  if (!parsed) {
    return {
      ok: false,
      reason: "malformed X-Signature header: expected t=<unix seconds>,v1=<hex>",
    };
  }
  // Both directions: an old timestamp is a replay, a future one a skewed or forged clock.
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) {
    return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s tolerance` };
  }
  if (!secret) return { ok: false, reason: "webhook secret is not configured" };

  const key = await importKey(secret, "verify");
  const data = encoder.encode(`${parsed.timestamp}.${rawBody}`);
  for (const signature of parsed.signatures) {
    // subtle.verify compares MACs in constant time, so no byte-by-byte compare of our own.
    if (await crypto.subtle.verify("HMAC", key, signature, data)) return { ok: true };
  }
  return { ok: false, reason: "signature does not match" };
}
