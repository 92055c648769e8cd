// The one way this repository starts the Worker locally: `wrangler dev` with D1 migrated first,
// for `npm run dev` (scripts/dev.mjs), the e2e, e-invoice and browser tests (test/e2e/server.ts)
// and the bench (bench/server.mjs). Types in wrangler-dev.d.mts.
//
// Hermetic by default (tests, bench): a free port (port 0), storage and wrangler's logs in a temp
// dir deleted by stop(), an explicit --env-file (the given secrets, or an empty file, so a
// developer's .dev.vars never leaks in), no telemetry, output captured, wrangler in a process
// group of its own. `interactive` is `npm run dev`: the terminal's stdin and output, the
// developer's .dev.vars, the same process group as the caller (Ctrl-C reaches wrangler).
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "./env.mjs";

const wranglerBin = join(projectRoot, "node_modules", "wrangler", "bin", "wrangler.js");
// ANSI colour codes would split words the callers look for.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
/** Output kept per process: the tail, enough for any failure message. */
const MAX_OUTPUT = 200_000;

/** wrangler's environment when it runs for a test or the bench: no network, logs in `dir`. */
function hermeticEnv(dir) {
  return {
    ...process.env,
    // No telemetry, no download of the Request.cf placeholder.
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    // wrangler writes a debug log per run; keep it in the temp dir, which stop() deletes.
    WRANGLER_LOG_PATH: join(dir, "logs"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

/** Keeps the tail of what a child prints (for wrangler dev: the worker's console lines too). */
function capture(child) {
  let text = "";
  const append = (chunk) => {
    text += chunk.toString("utf8").replace(ansi, "");
    if (text.length > MAX_OUTPUT) text = text.slice(-MAX_OUTPUT / 2);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text;
}

/** Resolves with the exit code, or 128 + the signal's number. */
function exitCode(child) {
  const code = () => child.exitCode ?? 128 + (constants.signals[child.signalCode] ?? 0);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(code());
  return new Promise((done) => {
    child.once("exit", () => done(code()));
    child.once("error", () => done(1));
  });
}

/**
 * Runs one wrangler command to its end (`d1 migrations apply`, `deploy --dry-run` …) under this
 * Node; throws with its output when it fails. `inherit`: its output goes to the terminal.
 * @param {string[]} args
 * @param {{ dir?: string, inherit?: boolean }} [options]
 */
export async function runWrangler(args, { dir, inherit = false } = {}) {
  const child = spawn(process.execPath, [wranglerBin, ...args], {
    cwd: projectRoot,
    env: dir ? hermeticEnv(dir) : process.env,
    // No stdin: wrangler is non-interactive, so `migrations apply` does not ask to confirm.
    stdio: ["ignore", inherit ? "inherit" : "pipe", inherit ? "inherit" : "pipe"],
  });
  const output = capture(child);
  const code = await exitCode(child);
  if (code !== 0)
    throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${code}):\n${output()}`);
}

/** A port that was free a moment ago (the OS picks it): for a port the caller must know first. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** A `.env` line wrangler's dotenv parser reads back verbatim. */
function envLine(name, value) {
  if (/["\\\n\r]/.test(value)) throw new Error(`${name} must not contain quotes, \\ or newlines`);
  return `${name}="${value}"\n`;
}

/**
 * Waits for wrangler's "ready" message. wrangler sends it over the IPC channel (as
 * `DEV_SERVER_READY` with the port it listens on) at the moment it prints "Ready on", at every
 * log level, so port 0 works whether or not the output is read.
 */
function waitForReady(child, output, timeoutMs) {
  return new Promise((done, fail) => {
    const onMessage = (message) => {
      let ready = message;
      try {
        if (typeof message === "string") ready = JSON.parse(message);
      } catch {
        return;
      }
      if (ready?.event === "DEV_SERVER_READY") finish(() => done(ready.port));
    };
    const onExit = (code, signal) =>
      finish(() => {
        const error = new Error(
          `wrangler dev exited (${code ?? signal}) before it was ready:\n${output()}`,
        );
        error.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
        fail(error);
      });
    // A person at a terminal needs no timeout (Infinity): they see what wrangler waits for.
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(
          () =>
            finish(() =>
              fail(new Error(`wrangler dev not ready after ${timeoutMs} ms:\n${output()}`)),
            ),
          timeoutMs,
        )
      : undefined;
    const finish = (settle) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      settle();
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/**
 * Starts `wrangler dev` and resolves once it serves; see wrangler-dev.d.mts for the options.
 * @param {import("./wrangler-dev.d.mts").WranglerDevOptions} [options]
 * @returns {Promise<import("./wrangler-dev.d.mts").WranglerDev>}
 */
export async function startWranglerDev(options = {}) {
  const {
    config,
    vars = {},
    secrets,
    interactive = false,
    ip = "127.0.0.1",
    port = 0,
    // npm run dev keeps wrangler's default (9229), which its devtools hotkey opens.
    inspectorPort = interactive ? undefined : 0,
    logLevel = "info",
    args = [],
    startupTimeoutMs = 60_000,
  } = options;
  // The work dir: the env file, wrangler's logs, and storage unless persistTo says otherwise.
  const dir = interactive
    ? undefined
    : (options.dir ?? (await mkdtemp(join(tmpdir(), "edge-oms-wrangler-"))));
  if (dir) mkdirSync(dir, { recursive: true });
  const persistTo = options.persistTo ?? (dir && join(dir, "state"));
  if (!persistTo) throw new Error("startWranglerDev: interactive needs persistTo");

  let child;
  // If this process ends without stop() (Ctrl-C in a test run, a crash), take wrangler along.
  // Only synchronous work runs in an exit handler, hence SIGKILL to the group and rmSync.
  const onExit = () => {
    if (child && !interactive) killGroup(child, "SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  // In a terminal Ctrl-C reaches wrangler too (same process group); forwarding covers a `kill`
  // aimed at the caller alone. Either way the caller lives until wrangler has exited.
  const forward = (signal) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      process.off("exit", onExit);
      if (child) await terminate(child, !interactive);
      if (dir) await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const configArgs = config ? ["-c", config] : [];
    await runWrangler(
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo, ...configArgs],
      { dir, inherit: interactive },
    );
    // An explicit env file replaces .dev.vars: the given secrets, or none at all.
    const envFileArgs = [];
    if (!interactive) {
      const envFile = join(dir, "secrets.env");
      const lines = Object.entries(secrets ?? {}).map(([name, value]) => envLine(name, value));
      await writeFile(envFile, lines.join(""));
      envFileArgs.push("--env-file", envFile);
    }
    const devArgs = [
      "dev",
      ...configArgs,
      "--ip",
      ip,
      "--port",
      String(port),
      ...(inspectorPort === undefined ? [] : ["--inspector-port", String(inspectorPort)]),
      "--persist-to",
      persistTo,
      ...envFileArgs,
      ...(interactive ? [] : ["--show-interactive-dev-session=false", "--log-level", logLevel]),
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      ...args,
    ];
    child = spawn(process.execPath, [wranglerBin, ...devArgs], {
      cwd: projectRoot,
      env: interactive ? process.env : hermeticEnv(dir),
      // The IPC channel carries wrangler's ready message (see waitForReady). Without a terminal
      // on stdin wrangler shows no hotkey bar.
      stdio: interactive
        ? ["inherit", "inherit", "inherit", "ipc"]
        : ["ignore", "pipe", "pipe", "ipc"],
      // Its own process group: wrangler's bin re-spawns the real CLI, which spawns workerd, and
      // only a signal to the group reaches all three when a clean shutdown does not come.
      detached: !interactive,
    });
    if (interactive) for (const s of signals) process.on(s, forward);
    const exited = exitCode(child).then((code) => {
      for (const s of signals) process.off(s, forward);
      return code;
    });
    const output = capture(child);
    const readyPort = await waitForReady(child, output, startupTimeoutMs);
    // The channel has done its job; it must not keep this process alive.
    child.channel?.unref();
    return {
      url: `http://${ip}:${readyPort}`,
      port: readyPort,
      persistTo,
      output,
      exited,
      stop,
      processGroup: interactive ? undefined : child.pid,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Signals wrangler's whole process group; a group that is already gone is fine. */
function killGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left to stop.
  }
}

/** SIGTERM lets wrangler shut workerd down; SIGKILL for whatever is left or hangs. */
async function terminate(child, ownGroup) {
  if (child.exitCode === null && child.signalCode === null) {
    // The bin forwards SIGTERM to the CLI, which stops workerd before it exits.
    child.kill("SIGTERM");
    const timer = setTimeout(
      () => (ownGroup ? killGroup(child, "SIGKILL") : child.kill("SIGKILL")),
      10_000,
    );
    await exitCode(child);
    clearTimeout(timer);
  }
  if (ownGroup) killGroup(child, "SIGKILL");
}
