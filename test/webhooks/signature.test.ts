import { describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "../../src/webhooks/signature";

const secret = "erp-secret";
const now = 1_800_000_000;
const body = JSON.stringify({
  type: "order.custom-reference.set",
  order: { reference: "DE--1" },
  customOrderReference: "ERP-4711",
});

async function header(t: number, rawBody = body, key = secret): Promise<string> {
  return `t=${t},v1=${await signPayload(key, t, rawBody)}`;
}

describe("ERP webhook signature", () => {
  it("signs with HMAC-SHA256 over '<t>.<body>' as 64 lowercase hex digits", async () => {
    // Known answer from an independent implementation, so an ERP using openssl agrees with us:
    // printf '%s' '1700000000.{"hello":"world"}' | openssl dgst -sha256 -hmac erp-secret
    expect(await signPayload("erp-secret", 1_700_000_000, '{"hello":"world"}')).toBe(
      "949689f5f1c00a945064e564c146b8e76540a5354cb66a19938686247ddd9db6",
    );
  });

  it("accepts a valid signature", async () => {
    expect(await verifySignature(await header(now), body, secret, now)).toEqual({ ok: true });
  });

  it("rejects a request without the header", async () => {
    for (const missing of [undefined, null, ""]) {
      const result = await verifySignature(missing, body, secret, now);
      expect(result).toEqual({ ok: false, reason: expect.stringMatching(/missing/) });
    }
  });

  it("rejects malformed headers", async () => {
    const v1 = await signPayload(secret, now, body);
    const malformed = [
      "garbage",
      `v1=${v1}`, // no timestamp
      `t=${now}`, // no signature
      `t=abc,v1=${v1}`,
      `t=-5,v1=${v1}`,
      `t=${now},t=${now},v1=${v1}`, // ambiguous timestamp
      `t=${now},v1=${v1.slice(0, 63)}`, // odd length
      `t=${now},v1=${v1.slice(0, 62)}zz`, // not hex
      `t=${now},v1=${v1}ab`, // too long
      `t=${now};v1=${v1}`,
    ];
    for (const h of malformed) {
      const result = await verifySignature(h, body, secret, now);
      expect(result, h).toEqual({ ok: false, reason: expect.stringMatching(/malformed/) });
    }
  });

  it("rejects a signature made with another secret", async () => {
    const result = await verifySignature(await header(now, body, "other"), body, secret, now);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/does not match/) });
  });

  it("rejects a tampered body", async () => {
    const tampered = body.replace("ERP-4711", "ERP-4712");
    const result = await verifySignature(await header(now), tampered, secret, now);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/does not match/) });
  });

  it("rejects a signature whose timestamp was changed after signing", async () => {
    const v1 = await signPayload(secret, now - 10, body);
    const result = await verifySignature(`t=${now},v1=${v1}`, body, secret, now);
    expect(result.ok).toBe(false);
  });

  it("rejects a timestamp 301 s old", async () => {
    const result = await verifySignature(await header(now - 301), body, secret, now);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/tolerance/) });
  });

  it("rejects a timestamp 301 s in the future", async () => {
    const result = await verifySignature(await header(now + 301), body, secret, now);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/tolerance/) });
  });

  it("accepts timestamps exactly 300 s off in either direction", async () => {
    expect(await verifySignature(await header(now - 300), body, secret, now)).toEqual({ ok: true });
    expect(await verifySignature(await header(now + 300), body, secret, now)).toEqual({ ok: true });
  });

  it("honours a custom tolerance", async () => {
    const h = await header(now - 61);
    expect((await verifySignature(h, body, secret, now, 60)).ok).toBe(false);
    expect((await verifySignature(h, body, secret, now, 61)).ok).toBe(true);
  });

  it("accepts several v1 entries when one of them is valid (secret rotation)", async () => {
    const old = await signPayload("old-secret", now, body);
    const current = await signPayload(secret, now, body);
    const h = `t=${now}, v1=${old}, v1=${current}`;
    expect(await verifySignature(h, body, secret, now)).toEqual({ ok: true });
    expect(await verifySignature(`t=${now},v1=${old},v1=${old}`, body, secret, now)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not match/),
    });
  });

  it("ignores unknown schemes next to v1", async () => {
    const h = `t=${now},v0=whatever,v1=${await signPayload(secret, now, body)}`;
    expect(await verifySignature(h, body, secret, now)).toEqual({ ok: true });
  });

  it("accepts uppercase hex", async () => {
    const h = `t=${now},v1=${(await signPayload(secret, now, body)).toUpperCase()}`;
    expect(await verifySignature(h, body, secret, now)).toEqual({ ok: true });
  });

  it("rejects everything when no secret is configured", async () => {
    const result = await verifySignature(await header(now), body, "", now);
    expect(result.ok).toBe(false);
  });
});
