import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects, because they run in different runtimes:
// - "workers": everything under test/ except e2e, inside workerd with real bindings;
// - "e2e": Node tests that start `wrangler dev` and call it over HTTP (they need child
//   processes and a real port, which workerd cannot give them).
// The Cloudflare plugin sits inside the workers project only: at the root it would move the
// e2e tests into workerd too. Run one with `npx vitest run --project workers|e2e`.
export default defineConfig(async () => ({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                JWT_SECRET: "test-jwt-secret",
                ERP_WEBHOOK_SECRET: "test-erp-secret",
                MAIL_API_KEY: "",
                FC_SEED: process.env.FC_SEED ?? "",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          setupFiles: ["./test/apply-migrations.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
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
