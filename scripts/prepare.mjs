#!/usr/bin/env node
// `npm run build`, and `prepare`: npm runs it when another project installs this folder
// (`npm install ../edge-oms`), after `npm ci`, and before `npm pack`. It builds, with this
// folder's own dev dependencies, in this order (each step needs the one before):
//   1. the package entries (tsdown): dist/client.*, dist/testing.*, and the client again as the
//      light package edge-oms-client (packages/client/dist/index.*)
//   2. the back office (Vite, web/ on edge-oms/client): web/dist, the Worker's static assets
//   3. the service edge-oms/testing starts (scripts/build-service.mjs): dist/oms/, assets included
// A checkout that was never installed is told what to do instead of failing with "not found".
//
//   node scripts/prepare.mjs                    every step, from an empty dist/
//   node scripts/prepare.mjs --changed          only the steps whose inputs changed since they
//                                               last ran (npm run dev, npm test, the bench)
//   node scripts/prepare.mjs --changed --only client,web   those steps (npm run dev needs no dist/oms)
//
// A step's inputs are fingerprinted by content (SHA-256 over the files' paths and bytes, so a
// checkout or a touch that changes no byte rebuilds nothing); the fingerprints of the last run
// of each step live in node_modules/.cache/edge-oms/build.json.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fail, projectRoot } from "./env.mjs";

const tsdown = join(projectRoot, "node_modules", "tsdown", "dist", "run.mjs");
if (!existsSync(tsdown))
  fail(
    `edge-oms: ${projectRoot} is not installed, so its package cannot be built. ` +
      `Run "npm install" there first, then install it here again.`,
  );

const { values } = parseArgs({
  options: { changed: { type: "boolean", default: false }, only: { type: "string" } },
});
const stampsFile = join(projectRoot, "node_modules", ".cache", "edge-oms", "build.json");
/** Paths never read as inputs: outputs, dependencies, local state. */
const skipped = new Set(["node_modules", "dist", ".wrangler", ".vite"]);

/** Every file under the given paths (files or directories), relative to the project, sorted. */
function files(paths) {
  const found = [];
  const walk = (path) => {
    const full = join(projectRoot, path);
    if (!existsSync(full)) return;
    if (!statSync(full).isDirectory()) return void found.push(path);
    for (const entry of readdirSync(full)) if (!skipped.has(entry)) walk(join(path, entry));
  };
  for (const path of paths) walk(path);
  return found.sort();
}

/** SHA-256 over each input file's path and content. */
function fingerprint(inputs) {
  const hash = createHash("sha256");
  for (const file of files(inputs)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(projectRoot, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

function node(script, args = []) {
  const { status } = spawnSync(process.execPath, [script, ...args], {
    cwd: projectRoot,
    stdio: "inherit",
  });
  if (status !== 0) process.exit(status ?? 1);
}

/** The client entry, copied into the light client package (packages/client). */
const lightClient = [
  ["dist/client.js", "packages/client/dist/index.js"],
  ["dist/client.d.ts", "packages/client/dist/index.d.ts"],
];

/** What every step reads besides its own inputs: the dependencies and the package's shape. */
const shared = ["package.json", "package-lock.json", "tsconfig.json"];

const steps = [
  {
    name: "client",
    what: "the package entries (dist/client.*, dist/testing.*)",
    inputs: [...shared, "src", "tsdown.config.ts", "tsconfig.build.json"],
    outputs: [
      "dist/client.js",
      "dist/client.d.ts",
      "dist/testing.js",
      "dist/testing.d.ts",
      ...lightClient.map(([, to]) => to),
    ],
    run: () => {
      node(tsdown, ["--logLevel", "warn"]);
      // The light package (packages/client, `edge-oms-client`) ships the same two files.
      for (const [from, to] of lightClient) {
        mkdirSync(dirname(join(projectRoot, to)), { recursive: true });
        copyFileSync(join(projectRoot, from), join(projectRoot, to));
      }
    },
  },
  {
    name: "web",
    what: "the back office (web/dist)",
    inputs: [...shared, "web", "dist/client.js"],
    outputs: ["web/dist/index.html"],
    run: async () => {
      // A production build whoever calls (a test runner sets NODE_ENV=test, which Vite would
      // follow into React's development build).
      process.env.NODE_ENV = "production";
      const { build } = await import("vite");
      await build({
        configFile: join(projectRoot, "web", "vite.config.ts"),
        mode: "production",
        logLevel: "warn",
      });
    },
  },
  {
    name: "service",
    what: "the service for edge-oms/testing (dist/oms)",
    inputs: [
      ...shared,
      "src",
      "wrangler.toml",
      "migrations",
      "web/dist",
      "scripts/build-service.mjs",
    ],
    outputs: ["dist/oms/worker/index.js"],
    run: () => node(join(projectRoot, "scripts", "build-service.mjs")),
  },
];

const only = values.only?.split(",");
const stamps = readStamps();
if (!values.changed)
  for (const dir of ["dist", "packages/client/dist"])
    rmSync(join(projectRoot, dir), { recursive: true, force: true });
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  const print = fingerprint(step.inputs);
  const built = step.outputs.every((output) => existsSync(join(projectRoot, output)));
  if (values.changed && built && stamps[step.name] === print) continue;
  if (values.changed) process.stderr.write(`[build] ${step.what}: inputs changed, building\n`);
  await step.run();
  stamps[step.name] = print;
  mkdirSync(dirname(stampsFile), { recursive: true });
  writeFileSync(stampsFile, `${JSON.stringify(stamps, null, 2)}\n`);
}

/** The fingerprints of each step's last run; none when they cannot be read. */
function readStamps() {
  try {
    return JSON.parse(readFileSync(stampsFile, "utf8"));
  } catch {
    return {};
  }
}
