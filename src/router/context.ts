import { drizzle } from "drizzle-orm/d1";
import { verify } from "hono/jwt";
import { z } from "zod";
import { parseDuration } from "../domain/duration";
import { type Role, roles } from "../domain/principal";
import { wellFormed } from "../domain/text";

export interface Principal {
  role: Role;
  sub: string;
}

/** How far an issuer's clock may run ahead of ours before `nbf`/`iat` count as in the future. */
export const TOKEN_CLOCK_SKEW_SECONDS = 60;

const seconds = z.number().finite();
const claims = z.object({
  sub: wellFormed().min(1).max(100),
  role: z.enum(roles),
  exp: seconds,
  nbf: seconds.optional(),
  iat: seconds.optional(),
});

/** The caller, or why its token is refused (`null` principal: anonymous). */
export type Authentication = { principal: Principal } | { principal: null; refusal: string };

/**
 * Reads the bearer token: signed with `secret` (HS256), carrying `sub`, `role` and `exp`, valid
 * now, and living at most `maxTtlMs` (from now, and from `iat` when it says when it was issued).
 * Without a lifetime bound, a leaked token would work forever.
 */
export async function authenticate(
  header: string | undefined,
  secret: string,
  maxTtlMs: number,
  nowMs = Date.now(),
): Promise<Authentication> {
  const refuse = (refusal: string): Authentication => ({ principal: null, refusal });
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) return refuse("a bearer token is required");
  if (!secret) return refuse("tokens cannot be verified: JWT_SECRET is not set");
  let payload: unknown;
  try {
    // The signature only; every time claim is judged below, with one clock and one skew.
    payload = await verify(match[1], await hmacKey(secret), {
      alg: "HS256",
      exp: false,
      nbf: false,
      iat: false,
    });
  } catch {
    return refuse("the token is malformed or its signature does not verify");
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    return refuse(`the token's claims are invalid: ${fields}`);
  }
  const { sub, role, exp, nbf, iat } = parsed.data;
  const now = nowMs / 1000;
  const maxTtl = maxTtlMs / 1000;
  if (exp <= now) return refuse("the token has expired");
  if (exp - now > maxTtl || (iat !== undefined && exp - iat > maxTtl))
    return refuse(`the token lives longer than TOKEN_MAX_TTL (${maxTtl} seconds)`);
  if (nbf !== undefined && nbf > now + TOKEN_CLOCK_SKEW_SECONDS)
    return refuse("the token is not valid yet (nbf)");
  if (iat !== undefined && iat > now + TOKEN_CLOCK_SKEW_SECONDS)
    return refuse("the token was issued in the future (iat)");
  return { principal: { sub, role } };
}

/**
 * JWT_SECRET's HMAC key, imported once per isolate and value: importing it per request would cost
 * as much as the verification. Kept as keys, not promises, so no request awaits another's work.
 */
const hmacKeys = new Map<string, CryptoKey>();
async function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
    // A handful of values at most (a rotation); never a cache that grows with traffic.
    if (hmacKeys.size >= 4) hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return key;
}

/** Query builders only: nothing uses relational queries, so no schema to walk per request. */
export const createDb = (d1: D1Database) => drizzle(d1);
export type Db = ReturnType<typeof createDb>;

/**
 * What every procedure sees. The router's type names it, and the client's published types carry
 * that type, so only domain types are declared here: the worker's `env` and `db` are added by
 * declaration merging in ./worker-context.ts, which the client's types never load.
 */
export interface Context {
  principal: Principal | null;
  /** Why an anonymous caller's token was refused: the UNAUTHORIZED message says it. */
  authRefusal?: string;
  waitUntil(promise: Promise<unknown>): void;
}

/** Built per request: a drizzle instance per request, never a module-level singleton. */
export async function createContext(
  env: Env,
  req: Request,
  executionCtx?: { waitUntil(promise: Promise<unknown>): void },
) {
  // A broken TOKEN_MAX_TTL throws here: a server fault, reported as an internal error.
  const maxTtlMs = parseDuration(env.TOKEN_MAX_TTL || "24 hours");
  const auth = await authenticate(
    req.headers.get("authorization") ?? undefined,
    env.JWT_SECRET,
    maxTtlMs,
  );
  // `satisfies`, not a return type: the tRPC adapter wants a plain object type, not an interface.
  return {
    env,
    db: createDb(env.DB),
    principal: auth.principal,
    ...("refusal" in auth ? { authRefusal: auth.refusal } : {}),
    waitUntil: (p: Promise<unknown>) => executionCtx?.waitUntil(p),
  } satisfies Context;
}
