#!/usr/bin/env node
// Signs an ERP webhook body the Standard Webhooks way and prints a curl command that sends it:
//   npm run -s erp:sign -- --body '{"type":"order.custom-reference.set",...}'
//   npm run -s erp:sign -- --file body.json --id retry-1 | sh
//   echo '{...}' | npm run -s erp:sign
// Signed with the standardwebhooks package, as an ERP's middleware would.
import { readFileSync } from "node:fs";
import { fail, parseCli, requireSecret } from "./env.mjs";
import { webhookHeaders } from "./test-auth.mjs";

const usage = `usage: npm run -s erp:sign -- (--body '<json>' | --file <path> | < body.json)
                             [--id <webhook-id>] [--url <webhook url>]

  --body  the raw JSON body, signed byte for byte as given
  --file  read the body from a file instead (or pipe it on stdin)
  --id    webhook-id header, the idempotency key (default: msg_<random UUID>); reuse it to
          see a replay get its first answer
  --url   default http://127.0.0.1:\${PORT:-8787}/webhooks/erp

The secret is $ERP_WEBHOOK_SECRET, else ERP_WEBHOOK_SECRET from .dev.vars, else from .dev.vars.example.`;

const values = parseCli(
  {
    body: { type: "string" },
    file: { type: "string" },
    id: { type: "string" },
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

const id = values.id ?? `msg_${crypto.randomUUID()}`;
if (id.length < 1 || id.length > 255) fail("--id must be 1 to 255 characters", 2);
const url = values.url ?? `http://127.0.0.1:${process.env.PORT || 8787}/webhooks/erp`;

const secret = requireSecret("ERP_WEBHOOK_SECRET");
let headers;
try {
  headers = webhookHeaders({ secret, body, id });
} catch (error) {
  fail(
    `ERP_WEBHOOK_SECRET is not a whsec_ secret (npm run -s erp:secret makes one): ${error.message}`,
  );
}
const t = headers["webhook-timestamp"];
const signature = headers["webhook-signature"];

/** Single quotes keep everything literal in a POSIX shell; a quote inside becomes '\''. */
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;

const command = [
  `curl -sS -i -X POST ${q(url)}`,
  `  -H ${q("Content-Type: application/json")}`,
  `  -H ${q(`webhook-id: ${id}`)}`,
  `  -H ${q(`webhook-timestamp: ${t}`)}`,
  `  -H ${q(`webhook-signature: ${signature}`)}`,
  // --data-raw sends the string unchanged and never reads a file for a leading @.
  `  --data-raw ${q(body)}`,
];
process.stdout.write(`${command.join(" \\\n")}\n`);
process.stderr.write(`# signed at t=${t}; valid for 300 s\n`);
