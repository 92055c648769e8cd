/**
 * `edge-oms/testing`: the whole service on the local Workers runtime, for other projects' tests
 * (Node only). `startOms()` runs the worker this package ships (built on install, in
 * dist/oms/) with wrangler's test harness (`createTestHarness`, which runs Miniflare and
 * workerd): fresh in-memory storage, D1 migrated, the adjustable clock, generated secrets.
 *
 *   import { startOms } from "edge-oms/testing";
 *   const oms = await startOms();
 *   const checkout = oms.client(oms.token("checkout", "shop"));
 *   await oms.clock.advance("31 minutes");
 *   await oms.stop();
 *
 * It needs `wrangler` (4.164 or newer) installed next to it, as a dev dependency of the project
 * that runs the tests; the client entry (`edge-oms/client`) does not.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
// Kept as an import of the built client entry (external in the build): one copy of the client
// and of its types, shared with `edge-oms/client`.
import { createOrderClient, type OrderClient, type Role, type RouterOutputs } from "./client.js";
import { DEMO_SELLER } from "./demo-seller.js";
import type { ErpWebhookInput } from "./domain/erp.js";
import { type ReplayReport, replayHistory } from "./engine/replay.js";
import { getProcess, processConfigFromEnv, processIds } from "./machines/registry.js";

export type { ErpWebhookInput, OrderClient, Role };

/** A mail the service captured instead of sending it (`MAIL_TRANSPORT=capture`). */
export type CapturedMail = RouterOutputs["mails"]["list"]["mails"][number];

export interface StartOmsOptions {
  /**
   * Configuration over the service's defaults (its wrangler.toml `[vars]`), for example
   * `{ CANCELLATION_WINDOW: "5 minutes" }`. `CLOCK` is `adjustable` unless you set it.
   */
  vars?: Record<string, string>;
}

/** The secrets the service runs with: generated per `startOms()`, for code that signs itself. */
export interface OmsSecrets {
  /** Signs bearer tokens (HS256), as a shop's backend does for its customers. */
  JWT_SECRET: string;
  /** `whsec_…`: signs inbound ERP webhooks. */
  ERP_WEBHOOK_SECRET: string;
  /** `whsec_…`: the service signs the order events it sends to `ERP_EXPORT_URL` with it. */
  ERP_EXPORT_SECRET: string;
}

/** An answer of `POST /webhooks/erp`. */
export interface ErpResponse {
  status: number;
  body: unknown;
}

export interface Oms {
  /** The service's base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  secrets: OmsSecrets;
  /** A bearer token for `role` and `sub` (for a customer, its customer reference); 1 hour. */
  token(role: Role, sub: string): string;
  /** The typed client of `edge-oms/client`, calling this service with `token`. */
  client(token: string | (() => string | Promise<string>)): OrderClient;
  clock: {
    /** The service's time. */
    now(): Promise<Date>;
    /**
     * Moves the service's time forward by a duration ("31 minutes", "1 day") or to an instant,
     * never backwards; resolves once every order's timers due by then have fired and the read
     * model shows it.
     */
    advance(by: string | { to: Date | string }): Promise<Date>;
  };
  /**
   * Sends a signed inbound ERP webhook (`id`: its webhook id, random unless given). The body is
   * typed with the webhook's own schema, so a misspelt type or field does not compile; a string
   * is sent as it is (to see the answer to a malformed body).
   */
  erp(body: ErpWebhookInput | string, options?: { id?: string }): Promise<ErpResponse>;
  /** Mails the service captured, newest first (at most 100; `to` filters by recipient). */
  mails(options?: { to?: string }): Promise<CapturedMail[]>;
  /** Stops the service and drops its storage. */
  stop(): Promise<void>;
}

/** The service as built into this package: its wrangler.toml, migrations and worker bundle. */
const service = join(import.meta.dirname, "oms");

const TOKEN_TTL_SECONDS = 3600;

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** An HS256 JWT, as the service verifies it (it requires `exp`). */
function signToken(secret: string, role: Role, sub: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ sub, role, iat, exp: iat + TOKEN_TTL_SECONDS }));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url(signature)}`;
}

/** A Standard Webhooks secret: `whsec_` and a base64 key of 32 random bytes. */
const webhookSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/**
 * The headers an ERP sends with `body` under the webhook id `id`, Standard Webhooks: `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * keyed with the bytes of the `whsec_` secret). The one place the kit knows the scheme; the
 * service verifies it with the standardwebhooks package, so the two cannot agree on a mistake.
 */
function erpWebhookHeaders(
  secret: string,
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1,${signature}`,
  };
}

type Harness = {
  listen(): Promise<{ url: URL }>;
  getWorker(): { applyD1Migrations(binding: string): Promise<void> };
  close(): Promise<void>;
};

async function loadHarness(): Promise<(options: unknown) => Harness> {
  try {
    const wrangler = (await import("wrangler")) as { createTestHarness?: unknown };
    if (typeof wrangler.createTestHarness === "function")
      return wrangler.createTestHarness as (options: unknown) => Harness;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
  throw new Error(
    "edge-oms/testing runs the service with wrangler's test harness: install wrangler 4.164 or newer next to it (npm install --save-dev wrangler)",
  );
}

/**
 * Starts the service on the local Workers runtime with fresh storage, D1 migrated, the adjustable
 * clock and generated secrets. Each call is its own service: two in one test file share nothing.
 */
export async function startOms(options: StartOmsOptions = {}): Promise<Oms> {
  const bundle = join(service, "worker", "index.js");
  if (!existsSync(bundle))
    throw new Error(
      `edge-oms/testing: the service is not built (${bundle} is missing); run "npm run build" in edge-oms`,
    );
  // Offline by default: no telemetry and no download of the Request.cf placeholder per start.
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

  const secrets: OmsSecrets = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    ERP_WEBHOOK_SECRET: webhookSecret(),
    ERP_EXPORT_SECRET: webhookSecret(),
  };
  const createTestHarness = await loadHarness();
  const harness = createTestHarness({
    root: service,
    workers: [
      {
        configPath: "wrangler.toml",
        prebuiltWorkerDir: "worker",
        vars: {
          CLOCK: "adjustable",
          MAIL_TRANSPORT: "capture",
          SELLER: DEMO_SELLER,
          ...options.vars,
        },
        secrets: { ...secrets, MAIL_API_KEY: "" },
      },
    ],
  });
  let url: string;
  try {
    url = (await harness.listen()).url.origin;
    await harness.getWorker().applyD1Migrations("DB");
  } catch (error) {
    await harness.close().catch(() => undefined);
    throw error;
  }

  const token = (role: Role, sub: string) => signToken(secrets.JWT_SECRET, role, sub);
  const client = (value: string | (() => string | Promise<string>)) =>
    createOrderClient({ url, token: value });
  // The kit's own back-office caller, for the clock and the captured mails.
  const operator = client(() => token("backoffice", "edge-oms-testing"));
  let stopped: Promise<void> | undefined;

  return {
    url,
    secrets,
    token,
    client,
    clock: {
      now: async () => new Date((await operator.clock.now.query()).now),
      advance: async (by) => {
        const input =
          typeof by === "string"
            ? { by }
            : { to: by.to instanceof Date ? by.to.toISOString() : by.to };
        return new Date((await operator.clock.advance.mutate(input)).now);
      },
    },
    erp: async (body, { id = randomUUID() } = {}) => {
      const raw = typeof body === "string" ? body : JSON.stringify(body);
      const res = await fetch(`${url}/webhooks/erp`, {
        method: "POST",
        headers: erpWebhookHeaders(secrets.ERP_WEBHOOK_SECRET, id, raw),
        body: raw,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the text itself tells what went wrong.
      }
      return { status: res.status, body: parsed };
    },
    mails: async ({ to } = {}) =>
      (await operator.mails.list.query({ limit: 100, ...(to === undefined ? {} : { to }) })).mails,
    stop: () => {
      stopped ??= harness.close();
      return stopped;
    },
  };
}

/** What `replay` needs of an order: its history as `orders.history` answers it. */
export type RecordedHistory = RouterOutputs["orders"]["history"];
export type { Divergence, ReplayReport } from "./engine/replay";

/**
 * Steps a recorded order's history through another process version and reports where it would
 * have gone otherwise: an event the version refuses, another state, a timer at another moment
 * (docs/testing-your-app.md); notes in it are left out. Pure: no service runs. `delays` are PROCESS_DELAYS-style durations
 * (`{ "paymentTimeout": "2 days" }`) over the defaults.
 */
export function replay(options: {
  history: RecordedHistory;
  process: string;
  delays?: Record<string, string>;
}): ReplayReport {
  const config = options.delays
    ? processConfigFromEnv({ PROCESS_DELAYS: JSON.stringify(options.delays) })
    : undefined;
  const process = getProcess(options.process, config);
  if (!process)
    throw new Error(
      `replay: unknown process ${JSON.stringify(options.process)} (registered: ${processIds.join(", ")})`,
    );
  // Staff read internal notes among the entries; a note is not a version of the order.
  return replayHistory(
    options.history.flatMap((entry) => ("seq" in entry ? [entry] : [])),
    process,
  );
}
