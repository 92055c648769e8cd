import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./scripts/chromium.mjs";

// Browser tests of the back office: Debian's Chromium (Playwright's own download is not
// reachable from these machines) against the Worker under `wrangler dev`, which the global
// setup starts once with the freshly built app. `npm test` runs them after vitest.
export default defineConfig({
  testDir: "test/browser",
  testMatch: "**/*.spec.ts",
  globalSetup: "./test/browser/global-setup.ts",
  outputDir: "test-results",
  // Tests place their own orders, so they run side by side; two workers on two cores.
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: chromiumLaunchOptions(),
    locale: "en-GB",
    timezoneId: "UTC",
    viewport: { width: 1400, height: 900 },
    trace: "retain-on-failure",
  },
});
