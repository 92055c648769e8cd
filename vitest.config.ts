import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three projects, because they run in different runtimes or configurations:
// - "workers": everything under test/ except e2e and clock, inside workerd with real bindings
//   and the system clock (tests move one order's time through its seam);
// - "clock": test/clock/, inside workerd like "workers" but with CLOCK=adjustable, the
//   deployment's adjustable clock (bindings are per worker, so it is a project of its own);
// - "e2e": Node tests that start `wrangler dev` and call it over HTTP (they need child
//   processes and a real port, which workerd cannot give them).
// The Cloudflare plugin sits inside the workers projects only: at the root it would move the
// e2e tests into workerd too. Run one with `npx vitest run --project workers|clock|e2e`.
const workersBindings = async (clock: "system" | "adjustable") => ({
  TEST_MIGRATIONS: await readD1Migrations("./migrations"),
  JWT_SECRET: "test-jwt-secret",
  ERP_WEBHOOK_SECRET: "test-erp-secret",
  MAIL_API_KEY: "",
  FC_SEED: process.env.FC_SEED ?? "",
  // Explicit, so a developer's .dev.vars (CLOCK="adjustable" for npm run dev) never leaks in.
  CLOCK: clock,
});

export default defineConfig(async () => ({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: await workersBindings("system") },
          }),
        ],
        test: {
          name: "workers",
          setupFiles: ["./test/apply-migrations.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/clock/**"],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: await workersBindings("adjustable") },
          }),
        ],
        test: {
          name: "clock",
          setupFiles: ["./test/apply-migrations.ts"],
          include: ["test/clock/**/*.test.ts"],
          testTimeout: 30_000,
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
}));
