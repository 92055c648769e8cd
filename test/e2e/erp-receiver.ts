/**
 * An ERP as the service meets it: a real HTTP server (Node) that receives order events, checks
 * every delivery with the `standardwebhooks` package (code no one here wrote), deduplicates by
 * `webhook-id`, and misbehaves on request: 500 to the first attempts of each message, one stall
 * past the sender's timeout, no answer at all (hang), or a whole outage.
 *
 * Used by the e2e tests (next to `wrangler dev`) and by vitest.config.ts, which starts one for
 * the workers project (ERP_EXPORT_URL points at it). Tests steer and read it over HTTP, per order
 * (test/erp-receiver-client.ts from inside workerd), so test files never see each other's events:
 *   PUT  /orders/<reference>   a Behaviour as JSON
 *   GET  /orders/<reference>   { attempts, received } (see OrderLog)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { Behaviour, OrderLog } from "../erp-receiver-types";

export type { Behaviour, OrderLog } from "../erp-receiver-types";

export interface ErpReceiver {
  /** Where events go: `http://127.0.0.1:<port>/events`. */
  url: string;
  /** Steers how events of one order are answered (also reachable over HTTP). */
  behave(orderReference: string, behaviour: Behaviour): void;
  log(orderReference: string): OrderLog;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((done, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : (value ?? "");
};

export async function startErpReceiver(options: { secret: string }): Promise<ErpReceiver> {
  const webhook = new Webhook(options.secret);
  const logs = new Map<string, OrderLog>();
  const behaviours = new Map<string, Behaviour>();
  const attemptsById = new Map<string, number>();
  const logOf = (reference: string) => {
    let log = logs.get(reference);
    if (!log) {
      log = { attempts: [], received: [] };
      logs.set(reference, log);
    }
    return log;
  };

  async function receive(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const id = header(req, "webhook-id");
    let verified = true;
    let error: string | undefined;
    try {
      webhook.verify(raw, {
        "webhook-id": id,
        "webhook-timestamp": header(req, "webhook-timestamp"),
        "webhook-signature": header(req, "webhook-signature"),
      });
    } catch (e) {
      verified = false;
      error = e instanceof Error ? e.message : String(e);
    }
    const event = JSON.parse(raw) as {
      type: string;
      data: { orderReference: string; sequence: number };
    };
    const { orderReference, sequence } = event.data;
    const log = logOf(orderReference);
    const attempt = (attemptsById.get(id) ?? 0) + 1;
    attemptsById.set(id, attempt);
    const behaviour = behaviours.get(orderReference) ?? {};
    const record = (status: number | "stalled" | "hung") =>
      log.attempts.push({
        id,
        type: event.type,
        sequence,
        attempt,
        status,
        verified,
        ...(error ? { error } : {}),
        timestamp: header(req, "webhook-timestamp"),
      });

    // At least once on the wire, exactly once here.
    const take = () => {
      if (!log.received.some((r) => r.id === id))
        log.received.push({ id, type: event.type, sequence, body: JSON.parse(raw) });
    };
    if (verified && behaviour.hang) {
      // No answer at all: the request stays open until the sender's timeout aborts it.
      record("hung");
      return;
    }
    if (verified && behaviour.stallSequence === sequence && !behaviour.stalled) {
      // Once: answer long after the sender gave up, so its next attempt is the one that counts.
      // The ERP takes it, but answers too late: the sender retries, and the retry is a duplicate.
      behaviour.stalled = true;
      record("stalled");
      take();
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200).end();
      }, behaviour.stallMs ?? 20_000);
      return;
    }
    const down = behaviour.down || behaviour.downSequences?.includes(sequence);
    if (!verified || down || attempt <= (behaviour.failFirst ?? 0)) {
      const status = verified ? (down ? 503 : 500) : 401;
      record(status);
      res.writeHead(status).end();
      return;
    }
    record(200);
    take();
    res.writeHead(200).end();
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const match = /^\/orders\/([^/]+)$/.exec(url.pathname);
    const handle = async () => {
      if (req.method === "POST" && url.pathname === "/events") return receive(req, res);
      if (match?.[1] && req.method === "PUT") {
        behaviours.set(decodeURIComponent(match[1]), JSON.parse(await readBody(req)));
        return void res.writeHead(204).end();
      }
      if (match?.[1] && req.method === "GET") {
        const body = JSON.stringify(logOf(decodeURIComponent(match[1])));
        return void res.writeHead(200, { "content-type": "application/json" }).end(body);
      }
      res.writeHead(404).end();
    };
    handle().catch((e) => {
      if (!res.headersSent) res.writeHead(400).end(String(e));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  // The test process must be able to end while the server still listens.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    behave: (reference, behaviour) => behaviours.set(reference, behaviour),
    log: (reference) => logOf(reference),
    stop: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
