/**
 * examples/storefront is a project of its own that uses this package as any other would: its
 * code depends on the light client "edge-oms-client" (packages/client), its tests on
 * "edge-oms": "file:../.." for `edge-oms/testing`;
 * type-checks against the built declarations (no Cloudflare types, no skipLibCheck), runs with
 * plain `node` against the e2e worker, and has a vitest suite that starts the service itself
 * (`startOms`). That suite runs in a copy outside this repository that installs the packed
 * package, as a shop's project would. A regression in what the package ships fails here.
 */
import { execFile } from "node:child_process";
import { existsSync, lstatSync, statSync } from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "tsdown";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { mintToken } from "./server";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const storefront = join(root, "examples", "storefront");

/** npm as the test runner was started with (`npm test` sets npm_execpath), else from PATH. */
function npm(args: string[], cwd: string) {
  const cli = process.env.npm_execpath;
  return cli?.endsWith(".js")
    ? run(process.execPath, [cli, ...args], { cwd })
    : run("npm", args, { cwd });
}

/** The example's install is reused while its lockfile is unchanged (npm records it). */
function installed(): boolean {
  const marker = join(storefront, "node_modules", ".package-lock.json");
  return (
    existsSync(marker) &&
    statSync(marker).mtimeMs >= statSync(join(storefront, "package-lock.json")).mtimeMs
  );
}

async function shop(script: string): Promise<Record<string, unknown>> {
  const env = {
    ...process.env,
    OMS_URL: inject("e2eUrl"),
    OMS_CHECKOUT_TOKEN: await mintToken("checkout", "storefront"),
    OMS_BACKOFFICE_TOKEN: await mintToken("backoffice", "storefront-ops"),
  };
  // Plain node: no loader, no tsx. A .ts file runs through Node's type stripping.
  const { stdout } = await run(process.execPath, [script], { cwd: storefront, env });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

describe("examples/storefront, a consumer project", () => {
  beforeAll(async () => {
    // The entry the example resolves is dist/, which `npm test` (and `npm ci`) built from the
    // current sources before any test runs; rebuilding here would change web/dist under the
    // feet of the other e2e files' worker.
    if (!existsSync(join(root, "packages", "client", "dist", "index.js")))
      await npm(["run", "build"], root);
    // --ignore-scripts: the linked package's `prepare` would only build dist/ again.
    if (!installed()) await npm(["ci", "--ignore-scripts", "--no-audit", "--no-fund"], storefront);
  }, 120_000);

  it("publishes dist/ and imports in it only packages it depends on", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      files: string[];
      exports: Record<string, string | Record<string, string>>;
    };
    expect(pkg.files).toEqual(["dist"]);
    // wrangler runs the testing kit's service; a project that only uses the client goes without.
    expect(pkg.peerDependenciesMeta.wrangler?.optional).toBe(true);
    const allowed = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      // Types first, so every resolver picks the declarations before the code.
      expect(Object.keys(target)[0], entry).toBe("types");
      for (const file of Object.values(target)) {
        expect(file, entry).toMatch(/^\.\/dist\//);
        const code = await readFile(join(root, file), "utf8");
        const imported = [
          // Statements at the start of a line: not the usage examples in the comments.
          ...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"'.][^"']*)["']/gm),
          ...code.matchAll(/\bimport\(\s*["']([^"'.][^"']*)["']\s*\)/g),
        ].map(([, id = ""]) => id);
        // Only the Node-only testing entry may use Node's built-ins.
        if (entry !== "./testing")
          expect(imported.filter((id) => id.startsWith("node:"))).toEqual([]);
        const packages = imported
          .filter((id) => !id.startsWith("node:"))
          .map((id) =>
            id.startsWith("@") ? id.split("/").slice(0, 2).join("/") : (id.split("/")[0] ?? id),
          );
        // A devDependency here would work in this repository and break in every consumer.
        for (const name of packages) expect(allowed, file).toContain(name);
      }
    }
  });

  it("edge-oms-client packs under 100 kB and needs only the tRPC client at run time", async () => {
    const [packed] = JSON.parse(
      (
        await npm(
          ["pack", "--dry-run", "--json", "--ignore-scripts", "-w", "packages/client"],
          root,
        )
      ).stdout,
    ) as { size: number; files: { path: string }[] }[];
    expect(packed?.size).toBeLessThan(100_000);
    expect(packed?.files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "dist/index.d.ts",
      "dist/index.js",
      "package.json",
    ]);
    const client = join(root, "packages", "client");
    const pkg = JSON.parse(await readFile(join(client, "package.json"), "utf8")) as {
      dependencies?: object;
      peerDependencies: Record<string, string>;
    };
    // Nothing is installed with it but its peers: the tRPC client, and for types only the
    // tRPC server's (the client's own peer) and zod's.
    expect(pkg.dependencies).toBeUndefined();
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      "@trpc/client",
      "@trpc/server",
      "zod",
    ]);
    const imports = (file: string) =>
      readFile(join(client, "dist", file), "utf8").then((code) =>
        [
          ...new Set(
            [...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)].map(
              ([, id]) => id,
            ),
          ),
        ].sort(),
      );
    expect(await imports("index.js")).toEqual(["@trpc/client"]);
    expect(await imports("index.d.ts")).toEqual(["@trpc/client", "@trpc/server", "zod"]);
  });

  it("packs the service edge-oms/testing starts: the worker bundle, its config and the D1 migrations", async () => {
    const [packed] = JSON.parse(
      (await npm(["pack", "--dry-run", "--json", "--ignore-scripts"], root)).stdout,
    ) as { files: { path: string }[] }[];
    const paths = packed?.files.map((f) => f.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining([
        "dist/testing.js",
        "dist/testing.d.ts",
        "dist/oms/wrangler.toml",
        "dist/oms/worker/index.js",
        "dist/oms/migrations/0000_init.sql",
      ]),
    );
    // Nothing but the bundle in the worker's directory: the harness loads every module there.
    expect(paths.filter((p) => p.startsWith("dist/oms/worker/"))).toEqual([
      "dist/oms/worker/index.js",
    ]);
  });

  it("type-checks with the published types only, under Node and under browser settings", async () => {
    // tsc fails on any error, including a @ts-expect-error line that no longer errs.
    await expect(npm(["run", "check"], storefront)).resolves.toBeDefined();
  }, 60_000);

  it("places, reads and triggers through the client with plain node src/shop.ts", async () => {
    const result = await shop("src/shop.ts");
    expect(result).toMatchObject({
      placed: { "payment-pending": 2 },
      read: true,
      offered: expect.arrayContaining(["pay", "cancel"]),
      paid: { paid: 2 },
      paidState: "paid",
      refusal: {
        code: "PRECONDITION_FAILED",
        message: "no targeted item accepts ship: 1 item(s) in paid (accepts: confirm, cancel)",
      },
    });
    expect(result.reference).toMatch(/^ORD-/);
  });

  it("does the same from JavaScript with plain node src/shop.mjs", async () => {
    const result = await shop("src/shop.mjs");
    expect(result).toMatchObject({ paid: { paid: 2 } });
  });

  it("outside this repository, installs the packed package, type-checks strictly and runs its vitest suite: the window, the clock, the ERP, the invoice mail", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "storefront-consumer-"));
    try {
      // The package as it would be published (dist/ is built in beforeAll).
      const pack = async (...workspace: string[]) => {
        const args = [
          "pack",
          "--json",
          "--ignore-scripts",
          "--pack-destination",
          tmp,
          ...workspace,
        ];
        const [packed] = JSON.parse((await npm(args, root)).stdout) as { filename: string }[];
        return join(tmp, packed?.filename ?? "");
      };
      const tarballs = [await pack(), await pack("-w", "packages/client")];
      const consumer = join(tmp, "storefront");
      for (const part of [
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "tsconfig.browser.json",
        "vitest.config.ts",
        "src",
        "test",
      ])
        await cp(join(storefront, part), join(consumer, part), { recursive: true });
      // The lockfile keeps every other version; only edge-oms and edge-oms-client change from
      // the folders to the tarballs.
      await npm(
        ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs],
        consumer,
      );
      // Real copies, and the consumer's own wrangler: nothing resolves into this repository.
      for (const name of ["edge-oms", "edge-oms-client"])
        expect(lstatSync(join(consumer, "node_modules", name)).isSymbolicLink()).toBe(false);
      expect(existsSync(join(consumer, "node_modules", "wrangler", "package.json"))).toBe(true);
      // Strict tsc against the installed tarball's types, under Node and browser settings.
      await npm(["run", "check"], consumer);
      const report = join(tmp, "vitest.json");
      await npm(["test", "--", "--reporter=json", `--outputFile=${report}`], consumer);
      const result = JSON.parse(await readFile(report, "utf8")) as {
        numPassedTests: number;
        numFailedTests: number;
        numPendingTests: number;
      };
      expect(result).toMatchObject({ numFailedTests: 0, numPendingTests: 0 });
      expect(result.numPassedTests).toBeGreaterThanOrEqual(4);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 240_000);

  it("bundles src/browser.ts for a browser with the client and tRPC only, no server code", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "storefront-bundle-"));
    try {
      const [bundle] = await build({
        config: false,
        cwd: storefront,
        tsconfig: "tsconfig.browser.json",
        entry: { page: "src/browser.ts" },
        platform: "browser",
        format: "esm",
        outDir,
        dts: false,
        logLevel: "warn",
        // Bundle everything the page imports, and fail on any package besides these: the
        // client must not drag in the worker (drizzle, xstate, zod, hono).
        deps: {
          alwaysBundle: [/./],
          onlyBundle: ["edge-oms-client", "@trpc/client", "@trpc/server"],
        },
      });
      const code = await readFile(join(outDir, "page.js"), "utf8");
      expect(code).not.toMatch(/from\s*["']node:|require\(/);
      expect(code).toContain("/trpc");
      expect([...(bundle?.inlinedDeps.keys() ?? [])].sort()).toEqual([
        "@trpc/client",
        "@trpc/server",
      ]);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
