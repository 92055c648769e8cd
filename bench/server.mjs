// Starts the bench worker (bench/wrangler.bench.toml) with `wrangler dev` on a free port of
// 127.0.0.1 (picked here, so the log level can be lowered: readiness is a /healthz answer), with fresh local storage in a temp dir whose D1 is migrated first, and secrets from
// a temp env file. The same way test/e2e/server.ts starts the e2e worker.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildWeb, webDist } from "../scripts/build-web.mjs";

export const root = resolve(import.meta.dirname, "..");
export const benchConfig = join(root, "bench", "wrangler.bench.toml");
const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const MAX_OUTPUT = 200_000;

function wranglerEnv(tmp) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG_PATH: join(tmp, "logs"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

function spawnWrangler(args, tmp) {
  return spawn(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    env: wranglerEnv(tmp),
    // No stdin: non-interactive (no confirmation prompt, no hotkey bar).
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: wrangler's bin spawns the CLI, which spawns workerd.
    detached: true,
  });
}

function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Keeps the tail of what wrangler prints (the worker's console lines included). */
function capture(child) {
  let text = "";
  const append = (chunk) => {
    text += chunk.toString("utf8").replace(ansi, "");
    if (text.length > MAX_OUTPUT) text = text.slice(-MAX_OUTPUT / 2);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  return () => text;
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once("exit", (code) => done(code)));
}

async function terminate(child) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
    await exited(child);
    clearTimeout(timer);
  }
  killGroup(child, "SIGKILL");
}

async function runWrangler(what, args, tmp) {
  const child = spawnWrangler(args, tmp);
  const output = capture(child);
  const code = await exited(child);
  if (code !== 0) throw new Error(`${what} failed (${code}):\n${output()}`);
}

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

/** A port that was free a moment ago (the OS picks it). */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Polls /healthz until the worker answers; fails early when wrangler exits. */
async function waitForReady(child, url, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`wrangler dev exited (${child.exitCode}) before it was ready:\n${output()}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev not ready after ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts the bench worker; resolves with `{ url, stop, output, inspectorPort, sourceMap, processGroup }`. `stop()` ends wrangler (and
 * workerd) and deletes the temp dir; it is safe to call twice, and runs on process exit too.
 */
export async function startBenchServer({ secrets, logLevel = "info", startupTimeoutMs = 90_000 }) {
  const tmp = await mkdtemp(join(tmpdir(), "edge-oms-bench-"));
  const persistTo = join(tmp, "state");
  let child;
  const onExit = () => {
    if (child) killGroup(child, "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      process.off("exit", onExit);
      if (child) await terminate(child);
      await rm(tmp, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    // wrangler will not start without the back office's directory.
    await buildWeb({ ifMissing: true });
    const envFile = join(tmp, "secrets.env");
    await writeFile(
      envFile,
      Object.entries(secrets)
        .map(([name, value]) => `${name}="${value}"\n`)
        .join(""),
    );
    // Both configs live in the temp dir, so wrangler's own scratch files (.wrangler/) do too.
    const benchText = await readFile(benchConfig, "utf8");
    const bundleDir = join(tmp, "bundle");
    const buildConfig = join(tmp, "wrangler.build.toml");
    await writeFile(buildConfig, withPaths(benchText, join(root, "bench", "worker.ts")));
    await runWrangler(
      "wrangler deploy --dry-run (bundling)",
      ["deploy", "--dry-run", "--outdir", bundleDir, "-c", buildConfig],
      tmp,
    );
    const config = join(tmp, "wrangler.toml");
    await writeFile(config, withPaths(benchText, join(bundleDir, "worker.js"), true));
    await runWrangler(
      "wrangler d1 migrations apply",
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, "-c", config],
      tmp,
    );

    const port = await freePort();
    const inspectorPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawnWrangler(
      [
        "dev",
        "-c",
        config,
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        persistTo,
        "--env-file",
        envFile,
        "--show-interactive-dev-session=false",
        "--log-level",
        logLevel,
      ],
      tmp,
    );
    const output = capture(child);
    await waitForReady(child, url, output, startupTimeoutMs);
    return {
      url,
      stop,
      output,
      inspectorPort,
      sourceMap: join(bundleDir, "worker.js.map"),
      // wrangler's process group: workerd runs in it.
      processGroup: child.pid,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
