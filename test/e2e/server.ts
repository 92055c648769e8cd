/**
 * The end-to-end harness: the worker as `wrangler dev` serves it to a developer, on a real
 * port, with its own storage in a temp dir and D1 migrated by `wrangler d1 migrations apply`
 * (scripts/wrangler-dev.mjs, which `npm run dev` and the bench use too). Tests talk to it over
 * HTTP from Node, the way frontends, back offices and ERPs do.
 *
 * The e2e project's global setup starts one server and hands its URL to the tests:
 *   const url = inject("e2eUrl");
 * A test that needs other configuration (a short cancellation window, say) starts its own:
 *   const server = await startServer({ vars: { CANCELLATION_WINDOW: "2 seconds" } });
 *   afterAll(() => server.stop());
 */
import { buildWeb } from "../../scripts/build-web.mjs";
import { mintToken as mint, webhookHeaders } from "../../scripts/test-auth.mjs";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";
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
  /** How long to wait for wrangler to be ready; the first start compiles the worker. Default 60 s. */
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

/** Starts the worker with `wrangler dev` on a free port of 127.0.0.1 and fresh storage. */
export async function startServer(options: StartServerOptions = {}): Promise<E2EServer> {
  // wrangler dev serves web/dist as static assets and will not start without it.
  await buildWeb({ ifMissing: true });
  return startWranglerDev({
    secrets: { ...E2E_SECRETS, ...options.secrets },
    // Mails are captured (mails.list), never sent, whatever production's default is; invoices
    // are issued by a demo seller (production has none by default).
    vars: { MAIL_TRANSPORT: "capture", SELLER: DEMO_SELLER, ...options.vars },
    startupTimeoutMs: options.startupTimeoutMs,
  });
}

/** A bearer token the e2e worker accepts (HS256 with {@link E2E_SECRETS}.JWT_SECRET). */
export function mintToken(
  role: Role,
  sub: string,
  ttlSeconds = 3600,
  secret: string = E2E_SECRETS.JWT_SECRET,
): Promise<string> {
  return mint({ secret, role, sub, ttlSeconds });
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
  const headers = webhookHeaders({
    secret: options.secret ?? E2E_SECRETS.ERP_WEBHOOK_SECRET,
    body: raw,
    id: options.id,
    at: options.at,
  });
  return { body: raw, headers };
}
