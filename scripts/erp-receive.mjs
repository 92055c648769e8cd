#!/usr/bin/env node
// `npm run erp:receive`: a local ERP that receives the service's order events, verifies each
// with the `standardwebhooks` package (as an ERP's middleware would) and prints it.
//   npm run erp:receive                      # listens on http://127.0.0.1:8789/erp
//   npm run erp:receive -- --port 9000 --body  # another port; print every body in full
// Point the service at it: ERP_EXPORT_URL="http://127.0.0.1:8789/erp" in .dev.vars, then restart
// `npm run dev`. The secret is $ERP_EXPORT_SECRET, else ERP_EXPORT_SECRET from .dev.vars, else
// from .dev.vars.example (the one the local worker signs with).
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import { lookupSecret, requireSecret } from "./env.mjs";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.ERP_PORT ?? "8789" },
    body: { type: "boolean", default: false },
    fail: { type: "boolean", default: false },
  },
});
const port = Number(values.port);
const webhook = new Webhook(requireSecret("ERP_EXPORT_SECRET"));
const secretSource = lookupSecret("ERP_EXPORT_SECRET")?.source;
/** Per order: the highest sequence seen, so a gap or a replay is visible. */
const lastSequence = new Map();
const seen = new Set();

const server = createServer(async (request, response) => {
  if (request.method !== "POST") {
    response.writeHead(405, { allow: "POST" }).end();
    return;
  }
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString("utf8");
  let event;
  try {
    event = webhook.verify(raw, request.headers);
  } catch (error) {
    console.log(`REFUSED  ${request.headers["webhook-id"] ?? "(no webhook-id)"}: ${error.message}`);
    response.writeHead(401).end();
    return;
  }
  const id = request.headers["webhook-id"];
  const { orderReference, sequence } = event.data ?? {};
  const previous = lastSequence.get(orderReference) ?? 0;
  const note = seen.has(id)
    ? " (a repeat: already received)"
    : sequence !== previous + 1
      ? ` (expected sequence ${previous + 1})`
      : "";
  seen.add(id);
  lastSequence.set(orderReference, Math.max(previous, sequence ?? 0));
  console.log(`${event.timestamp}  ${event.type}  ${orderReference} #${sequence}  ${id}${note}`);
  if (values.body) console.log(JSON.stringify(event, null, 2));
  // --fail answers 503, so the service retries with backoff (watch `exports.list`).
  response.writeHead(values.fail ? 503 : 204).end();
});

server.listen(port, "127.0.0.1", () => {
  console.log(
    `ERP receiver on http://127.0.0.1:${port}/erp, verifying with ERP_EXPORT_SECRET from ${secretSource}`,
  );
  console.log(
    `Put ERP_EXPORT_URL="http://127.0.0.1:${port}/erp" into .dev.vars and restart npm run dev.`,
  );
});
