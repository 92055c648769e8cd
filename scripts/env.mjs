// Secrets for the developer scripts. `wrangler dev` reads `.dev.vars` (which `npm run dev`
// creates from `.dev.vars.example`), so looking there makes the scripts sign with the secret
// the local worker verifies with. The process environment wins, to target another worker.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { mintToken } from "./test-auth.mjs";

/** The repository root: scripts/ sits directly under it, whatever the caller's cwd. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Parses `KEY=value`, `KEY="value"` and `KEY='value'` lines; `#` starts a comment line.
 * Double-quoted values understand \n, \" and \\ as dotenv does.
 */
export function parseDevVars(text) {
  const vars = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!match) continue;
    const [, key, rest] = match;
    let value = rest;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
    } else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
    } else {
      // Unquoted: a trailing ` # comment` is not part of the value.
      value = value.replace(/\s+#.*$/, "").trim();
    }
    vars[key] = value;
  }
  return vars;
}

/**
 * The value of `name` and where it came from, or `undefined` when no source defines it.
 * An empty string in a file counts as unset, so an unfilled `.dev.vars` line falls through.
 */
export function lookupSecret(name, root = projectRoot) {
  const fromEnv = process.env[name];
  if (fromEnv) return { value: fromEnv, source: `$${name}` };
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    const path = join(root, file);
    if (!existsSync(path)) continue;
    const value = parseDevVars(readFileSync(path, "utf8"))[name];
    if (value) return { value, source: file };
  }
  return undefined;
}

/** Like lookupSecret, but exits with a message that says how to provide the secret. */
export function requireSecret(name, root = projectRoot) {
  const found = lookupSecret(name, root);
  if (!found) {
    fail(`${name} is not set: export ${name}=... or put ${name}="..." into .dev.vars`);
  }
  return found.value;
}

/** Prints to stderr (stdout stays clean for the script's one output) and exits. */
export function fail(message, code = 1) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/**
 * The command line as `parseArgs` reads it with `options` (plus `--help`/`-h`): a bad flag exits
 * with status 2 and the usage, `--help` prints the usage and exits.
 */
export function parseCli(options, usage) {
  let values;
  try {
    ({ values } = parseArgs({
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    fail(`${error.message}\n${usage}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return values;
}

/** A bearer token the local worker accepts: HS256 with JWT_SECRET (see requireSecret). */
export function signToken({ role, sub, ttlSeconds = 3600 }) {
  return mintToken({ secret: requireSecret("JWT_SECRET"), role, sub, ttlSeconds });
}

/**
 * A one-time sign-in link for the back office at `url`: the worker makes a code (valid once,
 * for five minutes) for a short-lived token signed here; the link carries only the code, which
 * the app exchanges for its session token with a POST. No token ever travels in a URL.
 */
export async function signInLink({ url, sub, role = "backoffice" }) {
  const token = await signToken({ role, sub, ttlSeconds: 60 });
  const res = await fetch(`${url}/trpc/auth.createSignInCode`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  const body = await res.json().catch(() => null);
  const code = body?.result?.data?.code;
  if (!res.ok || typeof code !== "string")
    throw new Error(
      `${url} made no sign-in code (${res.status}): ${body?.error?.message ?? "no answer"}`,
    );
  return `${url}/#code=${code}`;
}
