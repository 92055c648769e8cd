import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Starting the order service takes a few seconds; a test waits for its invoice at most 15 s.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
