#!/usr/bin/env node
// `npm run dev`: a local worker with migrated D1 and the back office built, ready for a browser,
// curl and the typed client. Prints a sign-in link for the back office once it answers.
//   PORT=8790 npm run dev            # another port
//   npm run dev -- --log-level debug # extra arguments go to `wrangler dev`
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { buildWeb } from "./build-web.mjs";
import { projectRoot, signInLink } from "./env.mjs";

const port = process.env.PORT || "8787";
const host = "127.0.0.1";
// The same directory `npm run db:migrate:local` uses, so both see one database.
const persistTo = ".wrangler/state";
const wrangler = join(projectRoot, "node_modules", "wrangler", "bin", "wrangler.js");

function log(message) {
  process.stderr.write(`[dev] ${message}\n`);
}

/** Runs wrangler under this Node; resolves with its exit code (or 128 + signal number). */
function runWrangler(args, { interactive }) {
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: projectRoot,
    // Without a terminal on stdin wrangler runs non-interactively: `migrations apply` then
    // applies without asking "continue?" (it answers its own prompt with yes), in a terminal
    // and in CI alike.
    stdio: interactive ? "inherit" : ["ignore", "inherit", "inherit"],
  });
  const forward = (signal) => {
    // Ctrl-C in a terminal reaches wrangler too (same process group); forwarding covers a
    // `kill` aimed at this script alone. Either way we wait for wrangler to exit.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.on("error", (error) => {
      log(`could not start wrangler: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

/** Prints the address and the next steps once the worker answers, without blocking startup. */
async function announceWhenReady(url) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        log(`worker listening on ${url}`);
        // One-time: what lingers in a browser's history is a used code, never a token.
        const link = await signInLink({ url, sub: "dev" }).catch((error) => error.message);
        log(`back office:    ${link} (once, within 5 minutes; another: npm run -s sign-in)`);
        log("get a token:    TOKEN=$(npm run -s token -- --role backoffice --sub alice)");
        log(
          `call it:        curl -H "Authorization: Bearer $TOKEN" "${url}/trpc/processes.list?input=%7B%7D"`,
        );
        log(`sign a webhook: npm run -s erp:sign -- --body '{...}'`);
        log("sample orders:  npm run seed (every state, a split delivery, an invoice)");
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

if (!existsSync(join(projectRoot, "wrangler.toml"))) {
  log("wrangler.toml not found; run this from the project (npm run dev)");
  process.exit(1);
}
const devVars = join(projectRoot, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(join(projectRoot, ".dev.vars.example"), devVars);
  log("created .dev.vars from .dev.vars.example (local secrets; not committed)");
}

log(`applying D1 migrations to ${persistTo}`);
const migrated = await runWrangler(
  ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
  { interactive: false },
);
if (migrated !== 0) {
  log("D1 migrations failed; not starting the worker");
  process.exit(migrated);
}

log("building the back office (web/ -> web/dist)");
try {
  await buildWeb();
} catch (error) {
  log(`building the back office failed: ${error.message}`);
  process.exit(1);
}

const url = `http://${host}:${port}`;
log(`starting wrangler dev on ${url} (Ctrl-C stops it)`);
void announceWhenReady(url);
// Mails are captured locally (mails.list) unless .dev.vars chooses a transport itself.
const mailVar = /^\s*MAIL_TRANSPORT\s*=/m.test(readFileSync(devVars, "utf8"))
  ? []
  : ["--var", "MAIL_TRANSPORT:capture"];
const code = await runWrangler(
  [
    "dev",
    "--ip",
    host,
    "--port",
    port,
    "--persist-to",
    persistTo,
    ...mailVar,
    ...process.argv.slice(2),
  ],
  { interactive: true },
);
process.exit(code);
