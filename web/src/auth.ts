// Sign-in: the token lives in sessionStorage (this tab only, gone when it closes), never in the
// address bar, where it would end up in history, screenshots and referrers. A sign-in link
// carries a one-time code instead, which the app exchanges for the token with a POST.

const KEY = "edge-oms.backoffice.token";

export interface Claims {
  sub: string;
  role: string;
  exp: number | null;
}

/**
 * Takes a sign-in link's `#code=…` out of the address bar (and a `#token=…` of an old link,
 * which is not taken: links carry no tokens); returns what it found.
 */
export function takeSignInFromAddress(): { code: string } | { token: true } | null {
  if (!location.hash.startsWith("#")) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const code = params.get("code");
  const token = params.has("token");
  if (code === null && !token) return null;
  params.delete("code");
  params.delete("token");
  const rest = params.toString();
  history.replaceState(
    history.state,
    "",
    `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`,
  );
  return code !== null ? { code: code.trim() } : { token: true };
}

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const storeToken = (token: string) => sessionStorage.setItem(KEY, token);
export const forgetToken = () => sessionStorage.removeItem(KEY);

function base64UrlJson(part: string): unknown {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * What a token says about itself, or why it cannot be used. The signature is the service's to
 * check; this only catches what a person can fix before sending it (a pasted fragment, another
 * role, an expired token).
 */
export function readToken(
  token: string,
  now = Date.now(),
): { claims: Claims } | { problem: string } {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p)))
    return { problem: "Token: this is not a JWT (three base64url parts separated by dots)." };
  let payload: unknown;
  try {
    payload = base64UrlJson(parts[1] as string);
  } catch {
    return { problem: "Token: its middle part is not readable JSON." };
  }
  if (typeof payload !== "object" || payload === null)
    return { problem: "Token: its payload is not an object." };
  const { sub, role, exp } = payload as Record<string, unknown>;
  if (typeof sub !== "string" || typeof role !== "string")
    return { problem: "Token: it has no subject (sub) or role." };
  if (role !== "backoffice" && role !== "support")
    return {
      problem: `Token: it is for the role "${role}"; the back office needs a backoffice or support token (npm run token -- --role backoffice --sub <you>).`,
    };
  const expires = typeof exp === "number" ? exp : null;
  if (expires !== null && expires * 1000 <= now)
    return { problem: `Token: it expired at ${new Date(expires * 1000).toLocaleString()}.` };
  return { claims: { sub, role, exp: expires } };
}
