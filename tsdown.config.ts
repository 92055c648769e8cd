import { fileURLToPath } from "node:url";
import { defineConfig } from "tsdown";

/**
 * The package's entries, built into dist/ by `npm run build` (and by `prepare`, so installing
 * the repository or packing it builds them). Each entry is one file of JS and one of types that
 * stands alone: the worker's own types (Env, D1, Durable Objects) never reach a consumer.
 * A Node-only entry (`edge-oms/testing`) gets its own config in this list, with platform "node".
 */
export default defineConfig([
  {
    entry: { client: "src/client.ts" },
    // Runs in browsers and in Node: no Node built-ins, no DOM assumptions beyond fetch.
    platform: "neutral",
    format: "esm",
    outDir: "dist",
    tsconfig: "tsconfig.build.json",
    // tRPC's own declarations use Disposable and AsyncDisposable: bring that lib along, so a
    // consumer with lib ["ES2022", "DOM"] and without skipLibCheck compiles.
    banner: { dts: '/// <reference lib="esnext.disposable" />' },
    dts: {
      // TypeScript 7 is the native compiler; the plugin drives its binary to emit declarations.
      tsgo: { path: fileURLToPath(new URL("./node_modules/typescript/bin/tsc", import.meta.url)) },
    },
  },
]);
