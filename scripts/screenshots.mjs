#!/usr/bin/env node
// `npm run screenshots`: runs the browser tests with EDGE_OMS_SCREENSHOTS=1, so the tests that
// take the docs' screenshots write them into docs/ (under `npm test` they go to test-results/,
// and a checkout stays clean after its own tests). Extra arguments go to Playwright.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./env.mjs";

const playwright = join(projectRoot, "node_modules", ".bin", "playwright");
const { status } = spawnSync(playwright, ["test", ...process.argv.slice(2)], {
  cwd: projectRoot,
  stdio: "inherit",
  env: { ...process.env, EDGE_OMS_SCREENSHOTS: "1" },
});
process.exit(status ?? 1);
