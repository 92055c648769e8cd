#!/usr/bin/env node
// `npm run deploy`: a preflight, then the build and `wrangler deploy`. The preflight refuses, with
// a numbered list of what to do, a deployment that would run on demo or missing values:
//   - a D1 database_id that is missing or all zeros (wrangler.toml's placeholder);
//   - no SELLER (neither in [vars] nor a secret), or the demo seller;
//   - a demo or reserved-domain MAIL_FROM; a MAIL_TRANSPORT other than "http"; a CLOCK other
//     than "system";
//   - a secret the Worker needs that `wrangler secret list` does not list (JWT_SECRET,
//     ERP_WEBHOOK_SECRET, ERP_EXPORT_SECRET, and MAIL_API_KEY with MAIL_TRANSPORT "http"), or a
//     secret written into [vars].
//
//   npm run deploy                                   # preflight, build, wrangler deploy
//   npm run deploy -- --env staging --minify         # arguments go on to wrangler deploy
//   npm run -s deploy -- --check                     # the preflight only
//   npm run -s deploy -- --check --secrets list.json # with the secret names from a file (the
//                                                    # JSON `wrangler secret list` prints), offline
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";
import { projectRoot } from "./env.mjs";
import { runWrangler } from "./wrangler-dev.mjs";

/** The all-zero UUID wrangler.toml ships as a placeholder. */
const ZERO_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
/** The demo seller's identity (src/demo-seller.ts; the tests check it is recognised). */
const DEMO_SELLER = { vatId: "DE123456789", iban: "DE02120300000000202051" };
/** Domains reserved for examples and tests (RFC 2606, RFC 6761): no real mailbox. */
const RESERVED_DOMAIN = /(^|\.)(example|test|invalid|localhost|example\.(com|net|org))$/i;

/** The domain of an address given as `a@b` or `Name <a@b>`, lower-cased. */
function domainOf(address) {
  const email = /<([^>]*)>/.exec(address)?.[1] ?? address;
  return email.split("@")[1]?.trim().toLowerCase() ?? "";
}

/**
 * What stands in the way of a deployment with this config and these secret names: one line per
 * problem, each saying what to do. Empty: go ahead. `secretNames` undefined: they could not be
 * listed (the caller says why), so only the config is checked.
 * @param {{ d1_databases?: { binding: string, database_id?: string }[], vars?: Record<string, unknown> }} config
 * @param {string[] | undefined} secretNames
 * @returns {string[]}
 */
export function preflight(config, secretNames) {
  const problems = [];
  const vars = config.vars ?? {};
  const secrets = new Set(secretNames ?? []);
  const text = (name) => (typeof vars[name] === "string" ? vars[name] : undefined);

  for (const db of config.d1_databases ?? []) {
    if (!db.database_id || ZERO_ID.test(db.database_id))
      problems.push(
        `D1 database ${db.binding}: database_id is ${db.database_id ? "the all-zero placeholder" : "missing"}. ` +
          "Create it (npx wrangler d1 create edge-oms) and put its id into wrangler.toml.",
      );
  }

  const seller = text("SELLER");
  if (!seller && secretNames && !secrets.has("SELLER"))
    problems.push(
      "SELLER is not set: invoices need the seller (name, address, VAT id, bank ...). Put its JSON " +
        "into [vars] in wrangler.toml (docs/invoices.md shows the fields).",
    );
  else if (seller) {
    let parsed;
    try {
      parsed = JSON.parse(seller);
    } catch {
      problems.push("SELLER in [vars] is not JSON: write it as in docs/invoices.md.");
    }
    if (
      parsed &&
      (parsed.vatId === DEMO_SELLER.vatId ||
        parsed.bank?.iban === DEMO_SELLER.iban ||
        RESERVED_DOMAIN.test(domainOf(parsed.email ?? "")))
    )
      problems.push(
        "SELLER is the demo seller (or has an example address): set your company's name, " +
          "address, VAT id, e-mail and bank in [vars] SELLER.",
      );
  }

  const mailFrom = text("MAIL_FROM") ?? "";
  const mailDomain = domainOf(mailFrom);
  if (!mailDomain || RESERVED_DOMAIN.test(mailDomain) || mailDomain === "demo-shop.example")
    problems.push(
      `MAIL_FROM is ${mailFrom ? `a demo address (${mailFrom})` : "not set"}: set the sender ` +
        'your mail provider verified, e.g. MAIL_FROM = "Shop <billing@your-domain.com>".',
    );
  const transport = text("MAIL_TRANSPORT") ?? "http";
  if (transport !== "http")
    problems.push(
      `MAIL_TRANSPORT is "${transport}": a deployment sends mails; set MAIL_TRANSPORT = "http".`,
    );
  const clock = text("CLOCK") ?? "system";
  if (clock !== "system")
    problems.push(
      `CLOCK is "${clock}": a deployment runs on the system clock; set CLOCK = "system".`,
    );

  const needed = ["JWT_SECRET", "ERP_WEBHOOK_SECRET", "ERP_EXPORT_SECRET"];
  if (transport === "http") needed.push("MAIL_API_KEY");
  for (const name of needed) {
    if (name in vars)
      problems.push(
        `${name} is in [vars], readable by anyone with the config: remove it there and ` +
          `run npx wrangler secret put ${name}.`,
      );
    else if (secretNames && !secrets.has(name))
      problems.push(
        `the secret ${name} is not set: npx wrangler secret put ${name}` +
          (name.startsWith("ERP_") ? " (npm run -s erp:secret makes a whsec_ secret)" : "") +
          ".",
      );
  }
  return problems;
}

/**
 * The names `wrangler secret list` prints for the Worker: from `file` when given (that JSON,
 * for an offline check or a test), else from Cloudflare. A Worker not deployed yet has none.
 */
async function listSecrets({ file, wranglerArgs }) {
  let json;
  if (file) json = readFileSync(file, "utf8");
  else {
    try {
      json = await runWrangler(["secret", "list", "--format", "json", ...wranglerArgs]);
    } catch (error) {
      if (/Worker "[^"]*".* not found/.test(error.message)) return [];
      const reason = /\[ERROR\]\s*(.*)/.exec(error.message)?.[1] ?? error.message.split("\n")[0];
      throw new Error(
        `the secrets could not be listed (wrangler secret list: ${reason}): log in with ` +
          "npx wrangler login, or pass --secrets <file> with that command's JSON.",
      );
    }
  }
  const list = JSON.parse(json.slice(json.indexOf("["), json.lastIndexOf("]") + 1));
  return list.map((secret) => String(secret.name));
}

/** The command line: our flags, and what goes on to wrangler (--config and --env do both). */
function parseCommandLine(argv) {
  const options = { check: false, secrets: undefined, config: undefined, env: undefined };
  const wranglerArgs = [];
  /** --config and --env: they choose the Worker, for `wrangler secret list` too. */
  const scope = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--check") options.check = true;
    else if (arg === "--secrets") options.secrets = argv[++i];
    else if (arg === "--config" || arg === "-c" || arg === "--env" || arg === "-e") {
      const value = argv[++i];
      options[arg === "--config" || arg === "-c" ? "config" : "env"] = value;
      scope.push(arg, value);
      wranglerArgs.push(arg, value);
    } else wranglerArgs.push(arg);
  }
  return { options, wranglerArgs, scope };
}

async function main() {
  const { options, wranglerArgs, scope } = parseCommandLine(process.argv.slice(2));
  const configPath = resolve(options.config ?? join(projectRoot, "wrangler.toml"));
  const config = unstable_readConfig({ config: configPath, env: options.env });
  let secretNames;
  let listing;
  try {
    secretNames = await listSecrets({ file: options.secrets, wranglerArgs: scope });
  } catch (error) {
    listing = error.message;
  }
  const problems = preflight(config, secretNames);
  if (listing) problems.push(listing);
  if (problems.length > 0) {
    process.stderr.write(
      `npm run deploy: refused, ${problems.length} thing(s) to do first (${configPath}` +
        `${options.env ? `, env ${options.env}` : ""}):\n` +
        problems.map((problem, i) => `  ${i + 1}. ${problem}\n`).join(""),
    );
    process.exit(1);
  }
  process.stderr.write("npm run deploy: preflight passed\n");
  if (options.check) return;
  for (const [script, args] of [
    [join(projectRoot, "scripts", "prepare.mjs"), []],
    [
      join(projectRoot, "node_modules", "wrangler", "bin", "wrangler.js"),
      ["deploy", ...wranglerArgs],
    ],
  ]) {
    const { status } = spawnSync(process.execPath, [script, ...args], {
      cwd: projectRoot,
      stdio: "inherit",
    });
    if (status !== 0) process.exit(status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
