/**
 * The end-to-end harness: the worker as `wrangler dev` serves it to a developer, on a real
 * port, with its own storage in a temp dir and D1 migrated by `wrangler d1 migrations apply`.
 * Tests talk to it over HTTP from Node, the way frontends, back offices and ERPs do.
 *
 * The e2e project's global setup starts one server and hands its URL to the tests:
 *   const url = inject("e2eUrl");
 * A test that needs other configuration (a short cancellation window, say) starts its own:
 *   const server = await startServer({ vars: { CANCELLATION_WINDOW: "2 seconds" } });
 *   afterAll(() => server.stop());
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sign } from "hono/jwt";
import { Webhook } from "standardwebhooks";
import { buildWeb } from "../../scripts/build-web.mjs";
import { DEMO_SELLER } from "../../src/demo-seller";
import type { Role } from "../../src/domain/principal";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the shared e2e worker, e.g. `http://127.0.0.1:40123` (no trailing slash). */
    e2eUrl: string;
  }
}

/** Secrets the e2e worker runs with; tests sign tokens and webhooks with the same values. */
export const E2E_SECRETS = {
  JWT_SECRET: "e2e-jwt-secret",
  ERP_WEBHOOK_SECRET: `whsec_${btoa("e2e-erp-webhook-secret-32-bytes!")}`,
  ERP_EXPORT_SECRET: `whsec_${btoa("e2e-erp-export-secret-32-bytes!!")}`,
  MAIL_API_KEY: "",
} as const;

export type SecretName = keyof typeof E2E_SECRETS;

export interface StartServerOptions {
  /** Overrides of `[vars]` in wrangler.toml, passed as `wrangler dev --var KEY:VALUE`. */
  vars?: Record<string, string>;
  /** Overrides of {@link E2E_SECRETS}. */
  secrets?: Partial<Record<SecretName, string>>;
  /** How long to wait for "Ready on"; the first start compiles the worker. Default 60 s. */
  startupTimeoutMs?: number;
}

export interface E2EServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Stops wrangler (and workerd under it) and deletes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** What wrangler printed so far, to attach to a failure. */
  output(): string;
  /** The directory the worker's local storage lives in (Durable Objects, D1, R2). */
  persistTo: string;
}

const root = resolve(import.meta.dirname, "../..");
const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
// ANSI colour codes would split "Ready on" from its URL in some terminals' output.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function wranglerEnv(tmp: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // No network in tests: no telemetry, no download of the Request.cf placeholder.
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    // wrangler writes a debug log per run; keep it in the temp dir, which we delete.
    WRANGLER_LOG_PATH: join(tmp, "logs"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

/** A `.env` line wrangler's dotenv parser reads back verbatim. */
function envLine(name: string, value: string): string {
  if (/["\\\n\r]/.test(value))
    throw new Error(`secret ${name} must not contain quotes, \\ or newlines`);
  return `${name}="${value}"\n`;
}

function spawnWrangler(args: string[], tmp: string): ChildProcess {
  return spawn(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    env: wranglerEnv(tmp),
    // No stdin: wrangler stays non-interactive, so `migrations apply` does not ask to confirm
    // and `dev` shows no hotkey bar.
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: wrangler's bin re-spawns the real CLI, which spawns workerd, and
    // only a signal to the group reaches all three when we cannot wait for a clean shutdown.
    detached: true,
  });
}

/** Signals wrangler's whole process group; a group that is already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left to stop.
  }
}

function capture(child: ChildProcess): () => string {
  let text = "";
  const append = (chunk: Buffer) => {
    text += chunk.toString("utf8").replace(ansi, "");
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once("exit", (code) => done(code)));
}

/** SIGTERM lets wrangler shut workerd down; SIGKILL for whatever is left or hangs. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    // The bin forwards SIGTERM to the CLI, which stops workerd before it exits.
    child.kill("SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
    await exited(child);
    clearTimeout(timer);
  }
  killGroup(child, "SIGKILL");
}

async function migrate(tmp: string, persistTo: string): Promise<void> {
  const child = spawnWrangler(
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
    tmp,
  );
  const output = capture(child);
  const code = await exited(child);
  if (code !== 0) throw new Error(`wrangler d1 migrations apply failed (${code}):\n${output()}`);
}

function waitForReady(child: ChildProcess, output: () => string, timeoutMs: number) {
  return new Promise<string>((done, fail) => {
    const check = () => {
      const match = output().match(/Ready on (http:\/\/\S+?)\/?(?:\s|$)/);
      if (match?.[1]) finish(() => done(match[1] as string));
    };
    const onExit = (code: number | null) =>
      finish(() =>
        fail(new Error(`wrangler dev exited (${code}) before it was ready:\n${output()}`)),
      );
    const timer = setTimeout(
      () =>
        finish(() => fail(new Error(`wrangler dev not ready after ${timeoutMs} ms:\n${output()}`))),
      timeoutMs,
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", onExit);
      settle();
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", onExit);
  });
}

/** Starts the worker with `wrangler dev` on a free port of 127.0.0.1 and fresh storage. */
export async function startServer(options: StartServerOptions = {}): Promise<E2EServer> {
  const tmp = await mkdtemp(join(tmpdir(), "edge-oms-e2e-"));
  const persistTo = join(tmp, "state");
  let child: ChildProcess | undefined;
  // If the test process ends without stop() (Ctrl-C, a crash), take wrangler along. Only
  // synchronous work runs in an exit handler, hence SIGKILL to the group and rmSync.
  const onExit = () => {
    if (child) killGroup(child, "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.off("exit", onExit);
      if (child) await terminate(child);
      await rm(tmp, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const secrets = { ...E2E_SECRETS, ...options.secrets };
    const envFile = join(tmp, "secrets.env");
    await writeFile(
      envFile,
      Object.entries(secrets)
        .map(([name, value]) => envLine(name, value))
        .join(""),
    );
    await migrate(tmp, persistTo);
    // wrangler dev serves web/dist as static assets and will not start without it.
    await buildWeb({ ifMissing: true });

    const args = [
      "dev",
      "--ip",
      "127.0.0.1",
      // Port 0: the OS picks a free port and wrangler prints it, so parallel runs never clash.
      "--port",
      "0",
      "--inspector-port",
      "0",
      "--persist-to",
      persistTo,
      // An explicit env file replaces .dev.vars, so a developer's own secrets never leak in.
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "info",
      // Mails are captured (mails.list), never sent, whatever production's default is; invoices
      // are issued by a demo seller (production has none by default).
      ...Object.entries({
        MAIL_TRANSPORT: "capture",
        SELLER: DEMO_SELLER,
        ...options.vars,
      }).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ];
    child = spawnWrangler(args, tmp);
    const output = capture(child);
    const url = await waitForReady(child, output, options.startupTimeoutMs ?? 60_000);
    return { url, stop, output, persistTo };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A bearer token the e2e worker accepts (HS256 with {@link E2E_SECRETS}.JWT_SECRET). */
export async function mintToken(
  role: Role,
  sub: string,
  ttlSeconds = 3600,
  secret: string = E2E_SECRETS.JWT_SECRET,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return sign({ sub, role, iat, exp: iat + ttlSeconds }, secret, "HS256");
}

export interface SignedWebhook {
  body: string;
  headers: Record<string, string>;
}

/**
 * Headers and body for `POST /webhooks/erp`, signed by the `standardwebhooks` package as an
 * ERP's middleware would:
 *   const hook = signWebhook({ type: "order.items.event", ... });
 *   await fetch(`${url}/webhooks/erp`, { method: "POST", ...hook });
 */
export function signWebhook(
  body: unknown,
  options: { id?: string; at?: Date; secret?: string } = {},
): SignedWebhook {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const at = options.at ?? new Date();
  const webhook = new Webhook(options.secret ?? E2E_SECRETS.ERP_WEBHOOK_SECRET);
  return {
    body: raw,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": webhook.sign(id, at, raw),
    },
  };
}
