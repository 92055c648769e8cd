#!/usr/bin/env node
// `npm run build`, and `prepare`: npm runs it when another project installs this folder
// (`npm install ../edge-oms`) and before `npm pack`. It builds dist/ with this folder's own dev
// dependencies: the package entries (tsdown: dist/client.*, dist/testing.*) and the service that
// edge-oms/testing starts (scripts/build-service.mjs: dist/oms/). A checkout that was never
// installed is told what to do instead of failing with "tsdown: not found".
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
rmSync(join(projectRoot, "dist"), { recursive: true, force: true });
for (const step of [[tsdown], [join(projectRoot, "scripts", "build-service.mjs")]]) {
  const { status } = spawnSync(process.execPath, step, { cwd: projectRoot, stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
}
