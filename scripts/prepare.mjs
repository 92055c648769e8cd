#!/usr/bin/env node
// `npm run build`, and `prepare`: npm runs it when another project installs this folder
// (`npm install ../edge-oms`), after `npm ci`, and before `npm pack`. It builds, with this
// folder's own dev dependencies, in this order (each step needs the one before):
//   1. the package entries (tsdown): dist/client.*, dist/testing.*
//   2. the back office (Vite, web/ on edge-oms/client): web/dist, the Worker's static assets
//   3. the service edge-oms/testing starts (scripts/build-service.mjs): dist/oms/, assets included
// A checkout that was never installed is told what to do instead of failing with "not found".
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fail, projectRoot } from "./env.mjs";

const tsdown = join(projectRoot, "node_modules", "tsdown", "dist", "run.mjs");
if (!existsSync(tsdown))
  fail(
    `edge-oms: ${projectRoot} is not installed, so its package cannot be built. ` +
      `Run "npm install" there first, then install it here again.`,
  );

function run(script, args = []) {
  const { status } = spawnSync(process.execPath, [script, ...args], {
    cwd: projectRoot,
    stdio: "inherit",
  });
  if (status !== 0) process.exit(status ?? 1);
}

rmSync(join(projectRoot, "dist"), { recursive: true, force: true });
run(tsdown, ["--logLevel", "warn"]);
// A production build whoever calls (a test runner sets NODE_ENV=test, which Vite would follow
// into React's development build).
process.env.NODE_ENV = "production";
const { build } = await import("vite");
await build({
  configFile: join(projectRoot, "web", "vite.config.ts"),
  mode: "production",
  logLevel: "warn",
});
run(join(projectRoot, "scripts", "build-service.mjs"));
