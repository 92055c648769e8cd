// Builds the back office (web/) into web/dist, the Worker's static assets (wrangler.toml
// [assets]). `wrangler dev` refuses to start without that directory, so everything that starts
// the Worker locally (npm run dev, the e2e and browser tests, the bench) builds it first.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./env.mjs";

export const webDist = join(projectRoot, "web", "dist");

/**
 * Builds the typed client the app is built on (`edge-oms/client`, dist/, as `prepare` does),
 * then runs Vite's production build. With `ifMissing`, only when there is no build yet: for
 * callers that need the directory to exist but do not test the app itself.
 * @param {{ ifMissing?: boolean, logLevel?: "info" | "warn" | "error" | "silent" }} [options]
 * @returns {Promise<void>}
 */
export async function buildWeb({ ifMissing = false, logLevel = "warn" } = {}) {
  if (ifMissing && existsSync(join(webDist, "index.html"))) return;
  const prepare = spawnSync(process.execPath, [join(projectRoot, "scripts", "prepare.mjs")], {
    cwd: projectRoot,
    stdio: logLevel === "info" ? "inherit" : ["ignore", "ignore", "inherit"],
  });
  if (prepare.status !== 0) throw new Error("building the client package (dist/) failed");
  const { build } = await import("vite");
  await build({ configFile: join(projectRoot, "web", "vite.config.ts"), logLevel });
}
