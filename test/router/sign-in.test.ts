import { env } from "cloudflare:workers";
import { decode } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { sweep } from "../../src/scheduled";
import { call, clientAs, tokenFor } from "../helpers";

async function newCode(sub = "alice") {
  const backoffice = await clientAs("backoffice", sub);
  return backoffice.auth.createSignInCode.mutate();
}

const signIn = (code: string) => call("auth.signIn", { code });

describe("one-time sign-in codes", () => {
  it("a code signs its maker in once, for a working day, and is no bearer token itself", async () => {
    const before = Date.now();
    const { code, expiresAt } = await newCode("alice");
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - before).toBeGreaterThan(4 * 60_000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(5 * 60_000 + 1_000);

    // The code is no token: as a bearer it opens nothing.
    expect((await call("processes.list", {}, { token: code, method: "GET" })).status).toBe(401);

    const first = await signIn(code);
    expect(first.status).toBe(200);
    const { token, expiresAt: sessionEnds } = (first.body.result?.data ?? {}) as {
      token: string;
      expiresAt: string;
    };
    const { payload } = decode(token);
    expect(payload).toMatchObject({ sub: "alice", role: "backoffice" });
    expect((payload.exp as number) - (payload.iat as number)).toBe(8 * 3600);
    expect(Date.parse(sessionEnds)).toBe((payload.exp as number) * 1000);
    expect((await call("processes.list", {}, { token, method: "GET" })).status).toBe(200);

    // Once only.
    const again = await signIn(code);
    expect(again.status).toBe(401);
    expect(again.body.error?.message).toContain("used already or has expired");
  });

  it("of two exchanges of one code at once, exactly one signs in", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const { code } = await newCode();
      const answers = await Promise.all([signIn(code), signIn(code), signIn(code)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
    }
  });

  it("an expired code signs no one in; D1 keeps only hashes, and the sweep forgets expired codes", async () => {
    const { code } = await newCode();
    const stored = await env.DB.prepare(
      "SELECT code_hash, sub, expires_at FROM sign_in_codes",
    ).all<{
      code_hash: string;
    }>();
    expect(JSON.stringify(stored.results)).not.toContain(code);
    await env.DB.prepare("UPDATE sign_in_codes SET expires_at = ?")
      .bind(Date.now() - 1)
      .run();
    expect((await signIn(code)).status).toBe(401);

    await newCode();
    await env.DB.prepare("UPDATE sign_in_codes SET expires_at = ?")
      .bind(Date.now() - 1)
      .run();
    await sweep(env);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM sign_in_codes").first<{
      n: number;
    }>();
    expect(left?.n).toBe(0);
  });

  it("only the back office makes codes; a malformed code is BAD_REQUEST naming it", async () => {
    for (const role of ["customer", "checkout"] as const)
      expect(
        (await call("auth.createSignInCode", {}, { token: await tokenFor(role, "x") })).status,
      ).toBe(403);
    expect((await call("auth.createSignInCode", {})).status).toBe(401);
    const bad = await signIn("not a code!");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.data.issues?.[0]?.path).toEqual(["code"]);
  });
});
