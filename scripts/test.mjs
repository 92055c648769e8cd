#!/usr/bin/env node
// `npm test`: builds the back office once, runs vitest (the workers and e2e projects; extra
// arguments go to vitest, e.g. `npm test -- --project workers`), then the browser tests
// (Playwright driving Chromium against `wrangler dev`). Both run even when the first fails; the
// exit code is non-zero when either did.
//   npm test
//   npm test -- --reporter=dot       # vitest options
//   npm run test:browser             # only the browser tests (builds the app itself)
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildWeb } from "./build-web.mjs";
import { projectRoot } from "./env.mjs";

const bin = (name) => join(projectRoot, "node_modules", ".bin", name);

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: projectRoot,
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    child.on("error", (error) => {
      process.stderr.write(`[test] could not start ${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

process.stderr.write("[test] building the back office\n");
await buildWeb();
const vitest = await run(bin("vitest"), ["run", ...process.argv.slice(2)]);
process.stderr.write("[test] browser tests (Playwright, Chromium)\n");
const browser = await run(bin("playwright"), ["test"], { EDGE_OMS_WEB_BUILT: "1" });
process.exit(vitest || browser);
