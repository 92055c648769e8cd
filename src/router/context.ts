import { drizzle } from "drizzle-orm/d1";
import { verify } from "hono/jwt";
import { z } from "zod";
import * as schema from "../db/schema";
import { type Role, roles } from "../domain/principal";

export interface Principal {
  role: Role;
  sub: string;
}

const claims = z.object({ sub: z.string().min(1).max(100), role: z.enum(roles) });

/** Reads the bearer token; `null` when it is missing or does not verify. */
export async function principalFrom(
  header: string | undefined,
  secret: string,
): Promise<Principal | null> {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1] || !secret) return null;
  try {
    const payload = await verify(match[1], secret, "HS256");
    const parsed = claims.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const createDb = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof createDb>;

/**
 * What every procedure sees. The router's type names it, and the client's published types carry
 * that type, so only domain types are declared here: the worker's `env` and `db` are added by
 * declaration merging in ./worker-context.ts, which the client's types never load.
 */
export interface Context {
  principal: Principal | null;
  waitUntil(promise: Promise<unknown>): void;
}

/** Built per request: a drizzle instance per request, never a module-level singleton. */
export async function createContext(
  env: Env,
  req: Request,
  executionCtx?: { waitUntil(promise: Promise<unknown>): void },
) {
  // `satisfies`, not a return type: the tRPC adapter wants a plain object type, not an interface.
  return {
    env,
    db: createDb(env.DB),
    principal: await principalFrom(req.headers.get("authorization") ?? undefined, env.JWT_SECRET),
    waitUntil: (p: Promise<unknown>) => executionCtx?.waitUntil(p),
  } satisfies Context;
}
