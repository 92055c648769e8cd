// Builds what the Worker serves and the package ships (scripts/prepare.mjs: the client, the back
// office into web/dist, the service for edge-oms/testing). `wrangler dev` refuses to start
// without web/dist (wrangler.toml [assets]), so everything that starts the Worker locally
// (npm run dev, the e2e and browser tests, the bench) builds it first.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./env.mjs";

export const webDist = join(projectRoot, "web", "dist");

/**
 * Runs the steps of the build whose inputs changed since they last ran (prepare.mjs --changed;
 * `only`: those steps, e.g. ["client", "web"]). With `ifMissing`, only when there is no
 * back-office build yet: for callers that need the directory to exist but do not test the app.
 * @param {{ ifMissing?: boolean, only?: string[], logLevel?: "info" | "warn" | "error" | "silent" }} [options]
 * @returns {Promise<void>}
 */
export async function buildWeb({ ifMissing = false, only, logLevel = "warn" } = {}) {
  if (ifMissing && existsSync(join(webDist, "index.html"))) return;
  const args = ["--changed", ...(only ? ["--only", only.join(",")] : [])];
  const script = join(projectRoot, "scripts", "prepare.mjs");
  const prepare = spawnSync(process.execPath, [script, ...args], {
    cwd: projectRoot,
    stdio: logLevel === "info" ? "inherit" : ["ignore", "ignore", "inherit"],
  });
  if (prepare.status !== 0) throw new Error("the build (scripts/prepare.mjs) failed");
}
