import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { DEMO_SELLER } from "./src/demo-seller.ts";
import { startErpReceiver } from "./test/e2e/erp-receiver.ts";

/** Standard Webhooks secrets of the workers project (`whsec_` + base64 of the key). */
export const TEST_ERP_SECRETS = {
  ERP_WEBHOOK_SECRET: `whsec_${btoa("test-erp-webhook-secret-of-32-by")}`,
  ERP_EXPORT_SECRET: `whsec_${btoa("test-erp-export-secret-of-32-byt")}`,
};

// Five projects, because they run in different runtimes or configurations:
// - "workers": everything under test/ except e2e, other-vars and clock, inside workerd with real
//   bindings and the system clock (tests move one order's time through its seam);
// - "e2e": Node tests that start `wrangler dev` and call it over HTTP (they need child
//   processes and a real port, which workerd cannot give them);
// - "workers-other-vars": test/other-vars/, inside workerd like "workers" but with the vars a
//   deployment could have instead (OTHER_VARS): a mail provider that refuses every mail, short
//   invoice retry delays, a `default` payment method;
// - "clock": test/clock/, inside workerd like "workers" but with CLOCK=adjustable, the
//   deployment's adjustable clock;
// - "einvoice": Node tests that start `wrangler dev`, have it issue invoices and credit notes and
//   validate them with the official EN 16931 rules (../shared/einvoice, EN16931_RULES_DIR).
// Bindings are per worker, so a worker configured otherwise is its own project. The Cloudflare
// plugin sits inside the workers projects only: at the root it would move the e2e tests into
// workerd too. Run one with `npx vitest run --project <name>`.
// Secrets, the fast-check seed (test/seed.ts) and the clock, for every workers project.
const secrets = {
  JWT_SECRET: "test-jwt-secret",
  ...TEST_ERP_SECRETS,
  MAIL_API_KEY: "",
  FC_SEED: process.env.FC_SEED ?? "",
  // wrangler.toml's value too; the projects below that need another set it over this one.
  CLOCK: "system",
  // Production sends mails (wrangler.toml); tests read them from the capture store.
  MAIL_TRANSPORT: "capture",
  // wrangler.toml has no seller (production sets its own): the tests invoice as a demo one.
  SELLER: DEMO_SELLER,
};

const OTHER_VARS = {
  MAIL_TRANSPORT: "http",
  // Nothing listens on the discard port: every send fails to connect.
  MAIL_API_URL: "http://127.0.0.1:9/emails",
  MAIL_API_KEY: "test-mail-key",
  INVOICE_RETRY_DELAY: "1 second",
  INVOICE_RETRY_MAX_DELAY: "2 seconds",
  PAYMENT_PROCESSES: '{"prepayment":"payment@1","none":"no-payment@1","default":"no-payment@1"}',
};

// The workers projects send ERP events to a real HTTP receiver in this process: it verifies
// them with the standardwebhooks package; tests steer and read it per order over HTTP.
const erpReceiver = () => startErpReceiver({ secret: TEST_ERP_SECRETS.ERP_EXPORT_SECRET });

/**
 * wrangler.toml, copied where no `.dev.vars` lies beside it, with its paths made absolute.
 * The plugin reads the `.dev.vars` next to the config it is given, so a developer's local values
 * (another SELLER, INVOICE_PREFIX, CLOCK ...) would otherwise reach the tests: `npm test` is
 * hermetic, every value a test sees is wrangler.toml's or set below. A path key this does not
 * know fails loudly (a file not found), never silently.
 */
function hermeticWranglerConfig(): string {
  const root = import.meta.dirname;
  const text = readFileSync(join(root, "wrangler.toml"), "utf8").replace(
    /^(\s*(?:main|migrations_dir|directory)\s*=\s*)"([^"]+)"/gm,
    (_, key: string, path: string) => `${key}${JSON.stringify(resolve(root, path))}`,
  );
  const configPath = join(root, "node_modules", ".cache", "edge-oms-tests", "wrangler.toml");
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileSync(configPath, text);
  return configPath;
}

export default defineConfig(async () => {
  const { url: ERP_EXPORT_URL } = await erpReceiver();
  const TEST_MIGRATIONS = await readD1Migrations("./migrations");
  const configPath = hermeticWranglerConfig();
  /** A project inside workerd: its tests, with `vars` over the common bindings. */
  const workersProject = (
    name: string,
    include: string[],
    exclude: string[],
    vars: Record<string, string> = {},
  ) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath },
        miniflare: {
          bindings: { TEST_MIGRATIONS, ...secrets, ERP_EXPORT_URL, ...vars },
          // wrangler.toml's D1 (named again: these take the place of its list) and an empty one
          // for test/db/migrations.test.ts, which migrates old data step by step.
          d1Databases: { DB: "00000000-0000-0000-0000-000000000000", MIGRATION_DB: "migrations" },
        },
      }),
    ],
    test: {
      name,
      setupFiles: ["./test/apply-migrations.ts"],
      include,
      exclude,
      testTimeout: 30_000,
    },
  });
  return {
    test: {
      projects: [
        workersProject(
          "workers",
          ["test/**/*.test.ts"],
          ["test/e2e/**", "test/einvoice/**", "test/other-vars/**", "test/clock/**"],
        ),
        workersProject("workers-other-vars", ["test/other-vars/**/*.test.ts"], [], OTHER_VARS),
        workersProject("clock", ["test/clock/**/*.test.ts"], [], { CLOCK: "adjustable" }),
        {
          // The e-invoice documents of every order shape, issued by `wrangler dev` and validated
          // by the official rules kept beside the repository (test/einvoice/kit.ts): Node, for
          // the validator's file system access and SaxonJS.
          test: {
            name: "einvoice",
            environment: "node",
            include: ["test/einvoice/**/*.test.ts"],
            testTimeout: 180_000,
            hookTimeout: 120_000,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            globalSetup: ["./test/e2e/global-setup.ts"],
            testTimeout: 30_000,
            // Covers a test file that starts its own server with startServer().
            hookTimeout: 90_000,
          },
        },
      ],
    },
  };
});
