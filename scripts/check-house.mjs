#!/usr/bin/env node
// Part of `npm run check`: the house rules the compiler and the linter do not see.
// - Size: no source file of the product (src/, and the back office's web/src/) is longer than
//   LINE_BUDGET lines, unless it is listed below with the reason it holds one job anyway.
//   Tests (one file per feature), benchmarks and scripts (one file per command) are not counted.
// - Type assertions: no `x as T` or `<T>x` in src/ (`as const` and `satisfies` are fine). Data
//   from storage, queues and the network is parsed by its zod schema (src/domain/) where it
//   enters; the few assertions that are not about data are listed below with their reason.
// Import circles and the direction of imports are dependency-cruiser's (.dependency-cruiser.cjs).
//   node scripts/check-house.mjs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { parseSync } from "@swc/core";
import { projectRoot } from "./env.mjs";

const LINE_BUDGET = 400;

/** Files allowed past the budget, and why each still holds one job. */
const LONG_FILES = {
  "src/db/schema.ts":
    "the read model's drizzle schema, every D1 table with its comments: the one file drizzle-kit generates the migrations from",
  "src/durable/order-object.ts":
    "the order's Durable Object class: its RPC surface (one short method per call, each a call into pipeline.ts, outbox.ts, alarm.ts or the store) and its alarm; splitting it would split the class",
  "src/domain/inputs.ts":
    "the input schemas of the order procedures (placement, events, shipments, lists, the clock): one subject, what callers send",
};

/** Type assertions allowed, per file: how many, and why they are not about data. */
const ASSERTIONS = {
  "src/machines/payment-process.ts": {
    count: 3,
    reason:
      "xstate's setup({ types: {} as ... }) idiom, which types the machine and is never a value",
  },
  "src/machines/payment-process-v2.ts": {
    count: 3,
    reason:
      "xstate's setup({ types: {} as ... }) idiom, which types the machine and is never a value",
  },
  "src/machines/no-payment-process.ts": {
    count: 3,
    reason:
      "xstate's setup({ types: {} as ... }) idiom, which types the machine and is never a value",
  },
  "src/testing.ts": {
    count: 3,
    reason: "the optional peer wrangler, loaded by dynamic import for its test harness (Node only)",
  },
};

const SOURCE = /\.(ts|tsx)$/;

function* files(dir) {
  for (const entry of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/** The type assertions in a file's syntax tree, by line. */
function assertions(path, code) {
  const ast = parseSync(code, { syntax: "typescript", tsx: path.endsWith(".tsx") });
  const found = [];
  const walk = (node) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (node.type === "TsAsExpression" || node.type === "TsTypeAssertion") found.push(node.span);
    for (const key in node) if (key !== "span") walk(node[key]);
  };
  walk(ast);
  return found.length;
}

const problems = [];
for (const root of ["src", "web/src"]) {
  for (const path of files(root)) {
    const name = path.split(sep).join("/");
    const code = readFileSync(join(projectRoot, path), "utf8");
    const lines = code.split("\n").length - (code.endsWith("\n") ? 1 : 0);
    const long = LONG_FILES[name];
    if (lines > LINE_BUDGET && !long)
      problems.push(
        `${name}: ${lines} lines, over the budget of ${LINE_BUDGET}: split it by what it holds, or list it in scripts/check-house.mjs with the reason it is one job`,
      );
    if (lines <= LINE_BUDGET && long)
      problems.push(`${name}: ${lines} lines, within the budget: take it off the list`);
    if (root !== "src") continue;
    const count = assertions(name, code);
    const allowed = ASSERTIONS[name]?.count ?? 0;
    if (count > allowed)
      problems.push(
        `${name}: ${count} type assertion(s) (\`as\`), ${allowed} allowed: parse data with its zod schema where it enters, or narrow it; list an assertion that is not about data in scripts/check-house.mjs`,
      );
    if (count < allowed)
      problems.push(`${name}: ${count} type assertion(s), ${allowed} listed: lower the count`);
  }
}

for (const name of [...Object.keys(LONG_FILES), ...Object.keys(ASSERTIONS)])
  if (!existsSync(join(projectRoot, name)))
    problems.push(`scripts/check-house.mjs lists ${name}, which does not exist`);

if (problems.length > 0) {
  process.stderr.write(
    `check-house: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}\n`,
  );
  process.exit(1);
}
process.stdout.write("check-house: file sizes and type assertions as the house allows\n");
