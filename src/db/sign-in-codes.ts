import { eq, lt } from "drizzle-orm";
import { sign } from "hono/jwt";
import { sha256Hex } from "../domain/hash";
import type { Role } from "../domain/principal";
import { type Db, signInCodes } from "./schema";

/** How long a sign-in link works: long enough to open it, too short to be worth stealing. */
export const SIGN_IN_CODE_TTL_MS = 5 * 60_000;
/** The session a sign-in code opens: a working day, never longer than TOKEN_MAX_TTL. */
export const SIGN_IN_SESSION_MS = 8 * 60 * 60_000;

/**
 * A one-time code for the back office's sign-in link: 32 random bytes (base64url) that sign in
 * `sub` as `role` once, within SIGN_IN_CODE_TTL_MS. Only its hash is stored: D1 never holds
 * anything that signs anyone in.
 */
export async function createSignInCode(
  db: Db,
  who: { sub: string; role: Role },
  now = Date.now(),
): Promise<{ code: string; expiresAt: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const code = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const expiresAt = now + SIGN_IN_CODE_TTL_MS;
  await db.insert(signInCodes).values({ codeHash: await sha256Hex(code), ...who, expiresAt });
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

/**
 * Exchanges a code for a bearer token, once: the row is deleted by the statement that reads
 * it, so of two exchanges at once only one gets it. Null when the code is unknown, used or
 * expired.
 */
export async function redeemSignInCode(
  db: Db,
  code: string,
  { secret, maxTtlMs }: { secret: string; maxTtlMs: number },
  now = Date.now(),
): Promise<{ token: string; expiresAt: string } | null> {
  const [taken] = await db
    .delete(signInCodes)
    .where(eq(signInCodes.codeHash, await sha256Hex(code)))
    .returning({ sub: signInCodes.sub, role: signInCodes.role, expiresAt: signInCodes.expiresAt });
  if (!taken || taken.expiresAt <= now) return null;
  const iat = Math.floor(now / 1000);
  const exp = iat + Math.floor(Math.min(SIGN_IN_SESSION_MS, maxTtlMs) / 1000);
  const token = await sign({ sub: taken.sub, role: taken.role, iat, exp }, secret, "HS256");
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** Forgets codes past their time (the scheduled sweep). */
export async function pruneSignInCodes(db: Db, now = Date.now()): Promise<number> {
  const result = await db.delete(signInCodes).where(lt(signInCodes.expiresAt, now));
  return result.meta.changes;
}
