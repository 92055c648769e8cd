#!/usr/bin/env node
// `prepare`: npm runs it when another project installs this folder (`npm install ../edge-oms`)
// and before `npm pack`. It builds dist/ with this folder's own dev dependencies, so a checkout
// that was never installed is told what to do instead of failing with "tsdown: not found".
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fail, projectRoot } from "./env.mjs";

const tsdown = join(projectRoot, "node_modules", "tsdown", "dist", "run.mjs");
if (!existsSync(tsdown))
  fail(
    `edge-oms: ${projectRoot} is not installed, so its client cannot be built. ` +
      `Run "npm install" there first, then install it here again.`,
  );
const { status } = spawnSync(process.execPath, [tsdown], { cwd: projectRoot, stdio: "inherit" });
process.exit(status ?? 1);
