#!/usr/bin/env node
// Builds the service that `edge-oms/testing` starts into dist/oms/, the way wrangler's test
// harness takes a prebuilt Worker:
//   dist/oms/wrangler.toml     this project's config, unchanged
//   dist/oms/worker/index.js   the bundle (`wrangler deploy --dry-run --outdir`), as deployed
//   dist/oms/<migrations_dir>  the D1 migrations, and the static assets if the config has any,
//                              at the same paths relative to the config as in the repository
// Part of `npm run build` and of `prepare`, so a project that installs this package gets it.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { fail, projectRoot } from "./env.mjs";

const configPath = join(projectRoot, "wrangler.toml");
const out = join(projectRoot, "dist", "oms");
const wrangler = join(projectRoot, "node_modules", "wrangler", "bin", "wrangler.js");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const bundle = spawnSync(
  process.execPath,
  [wrangler, "deploy", "--dry-run", "--config", configPath, "--outdir", join(out, "worker")],
  {
    cwd: projectRoot,
    // Without a terminal wrangler stays quiet and asks nothing; no telemetry from a build.
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    encoding: "utf8",
  },
);
if (bundle.status !== 0)
  fail(`bundling the worker failed (${bundle.status}):\n${bundle.stdout}\n${bundle.stderr}`);
// The harness loads every module in the worker directory: only the bundle belongs there.
for (const extra of ["index.js.map", "README.md"])
  rmSync(join(out, "worker", extra), { force: true });

cpSync(configPath, join(out, "wrangler.toml"));

/** Copies a directory the config names (relative to it) to the same place under dist/oms. */
function copyBeside(dir, what, filter = () => true) {
  const from = resolve(projectRoot, dir);
  const to = relative(projectRoot, from);
  if (isAbsolute(to) || to.startsWith(".."))
    fail(`${what} ${dir} lies outside the project; the testing kit cannot ship it`);
  if (!existsSync(from)) fail(`${what} ${dir} does not exist; build it first`);
  cpSync(from, join(out, to), { recursive: true, filter });
}

const config = unstable_readConfig({ config: configPath });
for (const db of config.d1_databases ?? [])
  copyBeside(
    db.migrations_dir ?? "migrations",
    `the D1 migrations of ${db.binding}`,
    // The SQL files only: drizzle-kit's snapshots (meta/) are for generating the next one.
    (path) => basename(path) !== "meta",
  );
if (config.assets?.directory) copyBeside(config.assets.directory, "the static assets");

process.stderr.write(
  `edge-oms: built the service for edge-oms/testing into ${relative(projectRoot, out)}\n`,
);
