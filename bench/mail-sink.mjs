// The bench's mail provider: production sends mails over HTTP (MAIL_TRANSPORT=http), so the bench
// does too, to this local stand-in for Resend's `POST /emails`. It checks each request has the
// shape the transport promises (bearer key, idempotency key, JSON with to and subject), answers
// like the provider, and counts what it accepted.
import { createServer } from "node:http";

export async function startMailSink() {
  const accepted = new Set();
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let mail = null;
      try {
        mail = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        // Not JSON: refused below.
      }
      const key = req.headers["idempotency-key"];
      const valid =
        req.method === "POST" &&
        req.headers.authorization?.startsWith("Bearer ") &&
        typeof key === "string" &&
        Array.isArray(mail?.to) &&
        typeof mail?.subject === "string";
      if (!valid) refused++;
      else accepted.add(key);
      res.writeHead(valid ? 200 : 422, { "content-type": "application/json" });
      res.end(JSON.stringify(valid ? { id: key } : { message: "not a mail" }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/emails`,
    /** Distinct mails accepted (a retried send counts once) and requests refused. */
    counts: () => ({ accepted: accepted.size, refused }),
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
