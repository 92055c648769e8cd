export interface WranglerDevOptions {
  /** The wrangler config; default the project's `wrangler.toml`. */
  config?: string;
  /** `[vars]` overrides, passed as `--var NAME:VALUE`. */
  vars?: Record<string, string>;
  /**
   * Written to an env file in the work dir and passed as `--env-file`, which replaces
   * `.dev.vars`: without it the worker gets no secrets at all, never a developer's. Values must
   * not contain quotes, backslashes or newlines. Ignored with `interactive`.
   */
  secrets?: Record<string, string>;
  /**
   * `npm run dev`: the terminal's stdin and output (wrangler's hotkeys and colours), the
   * developer's `.dev.vars`, the caller's process group and environment, no work dir.
   * Needs `persistTo`. Default false: hermetic, for tests and the bench.
   */
  interactive?: boolean;
  /**
   * The work dir (env file, wrangler's logs, storage): created if missing, deleted by `stop()`.
   * Default: a fresh temp dir. A caller that writes configs there first passes its own.
   */
  dir?: string;
  /** Local storage (Durable Objects, D1, R2); default `<dir>/state`. Kept by `stop()` unless in `dir`. */
  persistTo?: string;
  /** Default `127.0.0.1`. */
  ip?: string;
  /** Default 0: the OS picks a free port, and `url` says which. */
  port?: number;
  /**
   * Default 0 (wrangler picks; with `interactive`, wrangler's default 9229); a caller that
   * connects to it passes `await freePort()`.
   */
  inspectorPort?: number;
  /** `wrangler dev --log-level`; default `info`. Not with `interactive`. */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
  /** Further arguments for `wrangler dev`. */
  args?: string[];
  /** How long to wait for the ready message; default 60 s, `Infinity` for none. */
  startupTimeoutMs?: number;
}

export interface WranglerDev {
  /** `http://<ip>:<port>`, no trailing slash. */
  url: string;
  port: number;
  /** The directory the worker's local storage lives in (Durable Objects, D1, R2). */
  persistTo: string;
  /** The tail of what wrangler printed so far (empty with `interactive`), for failure messages. */
  output(): string;
  /** Resolves with wrangler's exit code (128 + the signal's number when a signal ended it). */
  exited: Promise<number>;
  /** Stops wrangler (and workerd under it) and deletes the work dir. Safe to call twice. */
  stop(): Promise<void>;
  /** wrangler's process group (workerd runs in it); undefined with `interactive`. */
  processGroup: number | undefined;
}

/** Starts `wrangler dev` with D1 migrated first; resolves once it serves. */
export function startWranglerDev(options?: WranglerDevOptions): Promise<WranglerDev>;

/**
 * Runs one wrangler command to its end; throws with its output when it fails. With `dir`, in
 * the hermetic environment (no telemetry, logs in `dir`); `inherit` prints to the terminal.
 */
export function runWrangler(
  args: string[],
  options?: { dir?: string; inherit?: boolean },
): Promise<void>;

/** A port that was free a moment ago. */
export function freePort(): Promise<number>;
