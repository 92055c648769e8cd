import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

export class OrderObject extends DurableObject<Env> {
  async ping(): Promise<string> {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (x INTEGER)");
    return "pong";
  }
}
export class InvoiceNumbers extends DurableObject<Env> {}

const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ ok: true }));

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
