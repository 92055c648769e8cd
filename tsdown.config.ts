import { fileURLToPath } from "node:url";
import { defineConfig } from "tsdown";

/** TypeScript 7 is the native compiler; the dts plugin drives its binary to emit declarations. */
const tsgo = { path: fileURLToPath(new URL("./node_modules/typescript/bin/tsc", import.meta.url)) };

/**
 * The package's entries, built into dist/ by `npm run build` (and by `prepare`, so installing
 * the repository or packing it builds them). Each entry is one file of JS and one of types: the
 * worker's own types (Env, D1, Durable Objects) never reach a consumer. The service the testing
 * entry starts is built beside them by scripts/build-service.mjs (dist/oms/).
 */
export default defineConfig([
  {
    entry: { client: "src/client.ts" },
    // Runs in browsers and in Node: no Node built-ins, no DOM assumptions beyond fetch.
    platform: "neutral",
    format: "esm",
    outDir: "dist",
    // scripts/prepare.mjs empties dist/ once before all entries; each entry leaves the rest.
    clean: false,
    tsconfig: "tsconfig.build.json",
    // tRPC's own declarations use Disposable and AsyncDisposable: bring that lib along, so a
    // consumer with lib ["ES2022", "DOM"] and without skipLibCheck compiles.
    banner: { dts: '/// <reference lib="esnext.disposable" />' },
    dts: { tsgo },
  },
  {
    entry: { testing: "src/testing.ts" },
    // Node only: it starts the service with wrangler's test harness.
    platform: "node",
    format: "esm",
    // client.js and testing.js alike: the package is "type": "module".
    fixedExtension: false,
    outDir: "dist",
    tsconfig: "tsconfig.testing.json",
    clean: false,
    // The client stays the client entry's file (one copy of the code and of its types); wrangler
    // is the consumer's own dev dependency.
    deps: { neverBundle: ["./client.js", "wrangler"] },
    dts: { tsgo },
  },
]);
