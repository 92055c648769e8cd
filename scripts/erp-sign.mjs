#!/usr/bin/env node
// Signs an ERP webhook body and prints a curl command that sends it:
//   npm run -s erp:sign -- --body '{"type":"order.custom-reference.set",...}'
//   npm run -s erp:sign -- --file body.json --key retry-1 | sh
//   echo '{...}' | npm run -s erp:sign
// The signature is computed here independently of src/webhooks/signature.ts (same scheme,
// Web Crypto), so a mismatch between the two shows up when the command is run.
import { readFileSync } from "node:fs";
import { fail, parseCli, requireSecret } from "./env.mjs";

const usage = `usage: npm run -s erp:sign -- (--body '<json>' | --file <path> | < body.json)
                             [--key <idempotency key>] [--url <webhook url>]

  --body  the raw JSON body, signed byte for byte as given
  --file  read the body from a file instead (or pipe it on stdin)
  --key   Idempotency-Key header (default: a random UUID); reuse it to test replays
  --url   default http://127.0.0.1:\${PORT:-8787}/webhooks/erp

The secret is $ERP_WEBHOOK_SECRET, else ERP_WEBHOOK_SECRET from .dev.vars, else from .dev.vars.example.`;

const values = parseCli(
  {
    body: { type: "string" },
    file: { type: "string" },
    key: { type: "string" },
    url: { type: "string" },
  },
  usage,
);

function readBody() {
  if (values.body !== undefined && values.file !== undefined) {
    fail(`give the body with --body or --file, not both\n${usage}`, 2);
  }
  if (values.body !== undefined) return values.body;
  if (values.file !== undefined) {
    try {
      return readFileSync(values.file, "utf8");
    } catch (error) {
      fail(`cannot read --file ${values.file}: ${error.message}`, 2);
    }
  }
  // Waiting on a terminal would look like a hang; only read stdin when something is piped in.
  if (process.stdin.isTTY) fail(`no body: use --body, --file or pipe it on stdin\n${usage}`, 2);
  return readFileSync(0, "utf8");
}

const body = readBody();
if (body.length === 0) fail("the body is empty", 2);
try {
  JSON.parse(body);
} catch {
  // Still signed: sending a bad body on purpose is how one checks the 400 answer.
  process.stderr.write("warning: the body is not valid JSON; the webhook will answer 400\n");
}

const key = values.key ?? crypto.randomUUID();
if (key.length < 1 || key.length > 255) fail("--key must be 1 to 255 characters", 2);
const url = values.url ?? `http://127.0.0.1:${process.env.PORT || 8787}/webhooks/erp`;

const secret = requireSecret("ERP_WEBHOOK_SECRET");
const t = Math.floor(Date.now() / 1000);
const hmacKey = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(secret),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);
const mac = await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(`${t}.${body}`));
const v1 = Buffer.from(mac).toString("hex");

/** Single quotes keep everything literal in a POSIX shell; a quote inside becomes '\''. */
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;

const command = [
  `curl -sS -i -X POST ${q(url)}`,
  `  -H ${q("Content-Type: application/json")}`,
  `  -H ${q(`Idempotency-Key: ${key}`)}`,
  `  -H ${q(`X-Signature: t=${t},v1=${v1}`)}`,
  // --data-raw sends the string unchanged and never reads a file for a leading @.
  `  --data-raw ${q(body)}`,
];
process.stdout.write(`${command.join(" \\\n")}\n`);
process.stderr.write(`# signed at t=${t}; valid for 300 s\n`);
