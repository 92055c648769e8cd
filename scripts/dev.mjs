#!/usr/bin/env node
// `npm run dev`: a local worker with migrated D1 and the back office built, ready for a browser,
// curl and the typed client. Prints a sign-in link for the back office once it answers. wrangler
// is started by scripts/wrangler-dev.mjs (as the tests and the bench start it), in the terminal.
//   PORT=8790 npm run dev            # another port
//   npm run dev -- --log-level debug # extra arguments go to `wrangler dev`
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWeb } from "./build-web.mjs";
import { projectRoot, signInLink } from "./env.mjs";
import { startWranglerDev } from "./wrangler-dev.mjs";

const port = Number(process.env.PORT || "8787");
// The same directory `npm run db:migrate:local` uses, so both see one database.
const persistTo = join(projectRoot, ".wrangler", "state");

function log(message) {
  process.stderr.write(`[dev] ${message}\n`);
}

/** Prints the address and the next steps. */
async function announce(url) {
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

log("building the back office (web/ -> web/dist)");
try {
  await buildWeb();
} catch (error) {
  log(`building the back office failed: ${error.message}`);
  process.exit(1);
}

log(
  `applying D1 migrations to .wrangler/state, then wrangler dev on port ${port} (Ctrl-C stops it)`,
);
// Mails are captured locally (mails.list) unless .dev.vars chooses a transport itself.
const chosenMail = /^\s*MAIL_TRANSPORT\s*=/m.test(readFileSync(devVars, "utf8"));
let server;
try {
  server = await startWranglerDev({
    interactive: true,
    persistTo,
    port,
    vars: chosenMail ? {} : { MAIL_TRANSPORT: "capture" },
    // `npm run dev -- --log-level debug`: extra arguments go to `wrangler dev`.
    args: process.argv.slice(2),
    startupTimeoutMs: Number.POSITIVE_INFINITY,
  });
} catch (error) {
  log(error.message.trim());
  process.exit(error.exitCode ?? 1);
}
await announce(server.url);
process.exit(await server.exited);
