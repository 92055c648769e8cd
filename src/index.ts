import { trpcServer } from "@hono/trpc-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { apiCors } from "./cors";
import { DEAD_LETTER_QUEUE, handleDeadLetters } from "./queue/dead-letters";
import { handleInvoiceBatch, type InvoiceJob } from "./queue/invoices";
import { appRouter } from "./router";
import { createContext } from "./router/context";
import { erpWebhooks } from "./webhooks/erp";

export { InvoiceNumbers } from "./durable/invoice-numbers";
export { OrderObject } from "./durable/order-object";
export type { AppRouter } from "./router";

const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/", erpWebhooks);

// Browsers on the origins in CORS_ORIGINS may call the API; /webhooks is server to server.
app.use("/trpc/*", apiCors());
app.use(
  "/trpc/*",
  trpcServer({
    endpoint: "/trpc",
    router: appRouter,
    createContext: (opts, c) => createContext(c.env, opts.req, c.executionCtx),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`trpc ${path} failed`, error);
    },
  }),
);

app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404));

/** One error envelope for everything outside tRPC; never a stack. */
app.onError((error, c) => {
  if (error instanceof HTTPException)
    return c.json({ error: { code: "HTTP_ERROR", message: error.message } }, error.status);
  console.error("unhandled error", error);
  return c.json({ error: { code: "INTERNAL_SERVER_ERROR", message: "internal error" } }, 500);
});

export default {
  fetch: app.fetch,
  // The consumers validate every message themselves, so they take the batch as unknown.
  queue: (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE
      ? handleDeadLetters(batch as MessageBatch<unknown>, env)
      : handleInvoiceBatch(batch as MessageBatch<unknown>, env),
} satisfies ExportedHandler<Env, InvoiceJob>;
