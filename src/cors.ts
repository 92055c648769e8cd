import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * The origins CORS_ORIGINS allows: comma-separated origins (`https://shop.example`), `*` for any,
 * empty for none (the default: no browser page on another origin may call the API). Each entry
 * is normalised to its origin, so `https://shop.example/` matches too. Parsed once per value.
 */
export function parseCorsOrigins(text: string | undefined): ReadonlySet<string> {
  const key = text ?? "";
  let origins = parsed.get(key);
  if (!origins) {
    origins = new Set(
      key
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== "")
        .map(originOf),
    );
    parsed.set(key, origins);
  }
  return origins;
}
const parsed = new Map<string, ReadonlySet<string>>();

function originOf(entry: string): string {
  if (entry === "*") return entry;
  const url = URL.parse(entry);
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:"))
    throw new Error(
      `CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin such as https://shop.example`,
    );
  return url.origin;
}

/**
 * CORS for the tRPC API. Callers authenticate with a bearer token, never cookies, so credentials
 * stay off; a preflight is answered for the methods and headers the typed client sends, and
 * cached by the browser for ten minutes. A call without an Origin header is no browser's
 * cross-origin call (servers, the typed client in Node, ERP tools): it gets no CORS headers,
 * and is spared the middleware's copies of the response; the answer still varies by Origin.
 */
export const apiCors = (): MiddlewareHandler<{ Bindings: Env }> => {
  const browsers = cors({
    origin: (origin, c) => {
      const allowed = parseCorsOrigins(c.env.CORS_ORIGINS);
      return allowed.has("*") || allowed.has(origin) ? origin : null;
    },
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["authorization", "content-type"],
    maxAge: 600,
  });
  return async (c, next) => {
    if (c.req.header("origin") !== undefined) return browsers(c, next);
    await next();
    c.res.headers.append("Vary", "Origin");
  };
};
