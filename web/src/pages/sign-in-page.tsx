import { type FormEvent, useId, useState } from "react";
import { type Claims, readToken } from "../auth";
import { errorCode } from "../errors";
import { createClient } from "../trpc";

/** Reads the token, then asks the service whether it accepts it (one cheap query). */
export async function verifyToken(
  token: string,
): Promise<{ claims: Claims } | { problem: string }> {
  const read = readToken(token);
  if ("problem" in read) return read;
  try {
    await createClient(() => token).processes.list.query();
    return read;
  } catch (error) {
    switch (errorCode(error)) {
      case "UNAUTHORIZED":
        return {
          problem:
            "Token: the service does not accept it (signed with another secret, or expired). Get a fresh one with npm run token.",
        };
      case "FORBIDDEN":
        return { problem: "Token: the service says this role may not use the back office." };
      default:
        return { problem: "The service did not answer. Check that it runs, then try again." };
    }
  }
}

/**
 * Exchanges a sign-in link's one-time code for the session token (a POST: the code works once,
 * for a few minutes), then reads the token like the form does.
 */
export async function exchangeSignInCode(
  code: string,
): Promise<{ token: string; claims: Claims } | { problem: string }> {
  try {
    const { token } = await createClient(() => "").auth.signIn.mutate({ code });
    const read = readToken(token);
    return "problem" in read ? read : { token, claims: read.claims };
  } catch (error) {
    switch (errorCode(error)) {
      case "UNAUTHORIZED":
      case "BAD_REQUEST":
        return {
          problem:
            "This sign-in link was used already, has expired or is incomplete. Get a new one with npm run -s sign-in, or paste a token.",
        };
      default:
        return { problem: "The service did not answer. Check that it runs, then try again." };
    }
  }
}

export function SignInPage({
  message,
  onSignedIn,
}: {
  message: string | null;
  onSignedIn: (token: string, claims: Claims) => void;
}) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);
  const hint = useId();
  const error = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const result = await verifyToken(token.trim());
    setBusy(false);
    if ("problem" in result) setProblem(result.problem);
    else onSignedIn(token.trim(), result.claims);
  }

  return (
    <main className="sign-in">
      <h1>edge-oms back office</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        <label>
          Token
          <input
            type="password"
            name="token"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby={problem ? `${hint} ${error}` : hint}
            aria-invalid={problem ? true : undefined}
          />
        </label>
        <p id={hint} className="hint">
          A back-office JWT: <code>npm run -s token -- --role backoffice --sub you</code>. Or open a
          one-time sign-in link: <code>npm run dev</code> prints one,{" "}
          <code>npm run -s sign-in</code> another.
        </p>
        {problem && (
          <p id={error} role="alert" className="error">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
