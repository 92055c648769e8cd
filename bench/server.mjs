// Starts the bench worker (bench/wrangler.bench.toml) with scripts/wrangler-dev.mjs, the launcher
// `npm run dev` and the e2e tests use: a free port of 127.0.0.1, fresh local storage in a temp dir
// whose D1 is migrated first, secrets from a temp env file. What is the bench's own: its config,
// made absolute in that temp dir, and the worker bundled first (`wrangler deploy --dry-run`), so
// the profile can map the inspector's positions through the bundle's source map.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildWeb, webDist } from "../scripts/build-web.mjs";
import { freePort, runWrangler, startWranglerDev } from "../scripts/wrangler-dev.mjs";

export const root = resolve(import.meta.dirname, "..");
export const benchConfig = join(root, "bench", "wrangler.bench.toml");

/**
 * The bench config with absolute paths (the copy lives in the temp dir): `main` as given, the
 * project's migrations and back office, the bench routes run by the Worker, and `no_bundle` when
 * main is the prebuilt bundle.
 */
function withPaths(text, main, noBundle = false) {
  const replace = (from, to) => {
    if (!from.test(text)) throw new Error(`bench/wrangler.bench.toml has no line ${from}`);
    text = text.replace(from, to);
  };
  replace(/^main = .*$/m, `main = ${JSON.stringify(main)}${noBundle ? "\nno_bundle = true" : ""}`);
  replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(join(root, "migrations"))}`);
  replace(/^directory = .*$/m, `directory = ${JSON.stringify(webDist)}`);
  // The bench routes are the Worker's too, or the back office's page would answer them.
  replace(/^run_worker_first = \[/m, 'run_worker_first = ["/bench/*", ');
  return text;
}

/**
 * Starts the bench worker; resolves with `{ url, stop, output, inspectorPort, sourceMap,
 * processGroup }`. `stop()` ends wrangler (and workerd) and deletes the temp dir; it is safe to
 * call twice, and runs on process exit too.
 */
export async function startBenchServer({ secrets, logLevel = "info", startupTimeoutMs = 90_000 }) {
  // wrangler will not start without the back office's directory.
  await buildWeb({ ifMissing: true });
  // Both configs live in the temp dir, so wrangler's own scratch files (.wrangler/) do too.
  const dir = await mkdtemp(join(tmpdir(), "edge-oms-bench-"));
  const bundleDir = join(dir, "bundle");
  const config = join(dir, "wrangler.toml");
  try {
    const benchText = await readFile(benchConfig, "utf8");
    const buildConfig = join(dir, "wrangler.build.toml");
    await writeFile(buildConfig, withPaths(benchText, join(root, "bench", "worker.ts")));
    await runWrangler(["deploy", "--dry-run", "--outdir", bundleDir, "-c", buildConfig], { dir });
    await writeFile(config, withPaths(benchText, join(bundleDir, "worker.js"), true));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // The profile connects to the inspector, so its port is picked here.
  const inspectorPort = await freePort();
  const server = await startWranglerDev({
    dir,
    config,
    secrets,
    logLevel,
    inspectorPort,
    startupTimeoutMs,
  });
  return {
    ...server,
    inspectorPort,
    sourceMap: join(bundleDir, "worker.js.map"),
  };
}
