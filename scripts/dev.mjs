#!/usr/bin/env node
// `npm run dev`: a local worker with migrated D1 and the back office built, ready for a browser,
// curl and the typed client. It builds only what changed since the last build (prepare.mjs
// --changed), applies only pending migrations, keeps wrangler off the internet, runs the Cron
// Trigger's sweep every minute (wrangler dev runs no Cron Trigger), and ends with the address and
// a sign-in link. wrangler is started by scripts/wrangler-dev.mjs (as the tests and the bench
// start it), in the terminal.
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

/** How often the local timer runs the sweep the Cron Trigger runs every 5 minutes deployed. */
const SWEEP_EVERY_MS = 60_000;

/** Prints the next steps, then the address and a sign-in link last, where the eye lands. */
async function announce(url) {
  // One-time: what lingers in a browser's history is a used code, never a token.
  const link = await signInLink({ url, sub: "dev" }).catch((error) => error.message);
  log("get a token:    TOKEN=$(npm run -s token -- --role backoffice --sub alice)");
  log(
    `call it:        curl -H "Authorization: Bearer $TOKEN" "${url}/trpc/processes.list?input=%7B%7D"`,
  );
  log("walkthrough:    docs/walkthrough.md (one script, placement to invoice and the ERP)");
  log("sample orders:  npm run seed (every state, a split delivery, an invoice)");
  log(`ERP events:     the sweep runs every ${SWEEP_EVERY_MS / 1000} s (docs/erp.md)`);
  log(`ready:          ${url}`);
  log(`back office:    ${link} (once, within 5 minutes; another: npm run -s sign-in)`);
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

try {
  // The client and the back office, each only if its inputs changed since it was last built.
  await buildWeb({ only: ["client", "web"] });
} catch (error) {
  log(`building the back office failed: ${error.message}`);
  process.exit(1);
}

log(`wrangler dev on port ${port}, storage in .wrangler/state (Ctrl-C stops it)`);
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
    // --test-scheduled: the launcher runs the sweep (sweepEveryMs), so wrangler's hint to curl it goes.
    args: ["--test-scheduled", ...process.argv.slice(2)],
    startupTimeoutMs: Number.POSITIVE_INFINITY,
    // Once when ready (events that waited go out now), then every minute.
    sweepEveryMs: SWEEP_EVERY_MS,
  });
} catch (error) {
  log(error.message.trim());
  process.exit(error.exitCode ?? 1);
}
await announce(server.url);
process.exit(await server.exited);
