import { trpcServer } from "@hono/trpc-server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { apiCors } from "./cors";
import { clockMode } from "./domain/clock";
import { INTERNAL_ERROR_MESSAGE, logInternalError } from "./domain/internal-error";
import { limits } from "./domain/limits";
import { DEAD_LETTER_QUEUE, handleDeadLetters } from "./queue/dead-letters";
import { handleInvoiceBatch, type InvoiceJob } from "./queue/invoices";
import { appRouter } from "./router";
import { createContext } from "./router/context";
import { sweep } from "./scheduled";
import { erpWebhooks } from "./webhooks/erp";
import { openApiDocument } from "./webhooks/openapi";
import { serviceClock } from "./worker/service-clock";

export { AdjustableClock } from "./durable/clock";
export { InvoiceNumbers } from "./durable/invoice-numbers";
export { OrderObject } from "./durable/order-object";
export type { AppRouter } from "./router";

const app = new Hono<{ Bindings: Env }>();

// Every answer the Worker gives is the API's (the back office's files are static assets, whose
// headers web/public/_headers sets): errors and CORS preflights included, none is kept in a
// browser's or a proxy's cache (orders, e-mails, invoices), and none is content-sniffed.
app.use(async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
});

app.get("/healthz", (c) => c.json({ ok: true }));
app.get("/openapi.json", (c) => c.json(openApiDocument()));

// Bodies are measured before anything reads them (as they stream when there is no length).
app.use(
  "/webhooks/*",
  bodyLimit({
    maxSize: limits.maxWebhookBodyBytes,
    onError: (c) =>
      c.json(
        {
          ok: false,
          error: {
            code: "PAYLOAD_TOO_LARGE",
            message: `the body exceeds ${limits.maxWebhookBodyBytes} bytes`,
          },
        },
        413,
      ),
  }),
);
app.route("/", erpWebhooks);

// Browsers on the origins in CORS_ORIGINS may call the API; /webhooks is server to server.
app.use("/trpc/*", apiCors());
app.use(
  "/trpc/*",
  bodyLimit({
    maxSize: limits.maxTrpcBodyBytes,
    // tRPC's own error shape, so the typed client reports it like any other error.
    onError: (c) =>
      c.json(
        {
          error: {
            message: `the request body exceeds ${limits.maxTrpcBodyBytes} bytes`,
            code: TRPC_ERROR_CODES_BY_KEY.PAYLOAD_TOO_LARGE,
            data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
          },
        },
        413,
      ),
  }),
  trpcServer({
    endpoint: "/trpc",
    router: appRouter,
    // tRPC refuses a larger batch before it runs any call of it.
    maxBatchSize: limits.maxBatchCalls,
    createContext: (opts, c) => createContext(c.env, opts.req, c.executionCtx),
    onError: ({ error, path }) => {
      // The response names the same id (router/trpc.ts errorFormatter).
      if (getHTTPStatusCodeFromError(error) >= 500) logInternalError(error, { path });
    },
  }),
);

app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404));

/** One error envelope for everything outside tRPC; never a stack, never an internal message. */
app.onError((error, c) => {
  if (error instanceof HTTPException && error.status < 500)
    return c.json({ error: { code: "HTTP_ERROR", message: error.message } }, error.status);
  const errorId = logInternalError(error, { method: c.req.method, path: c.req.path });
  return c.json(
    { error: { code: "INTERNAL_SERVER_ERROR", message: INTERNAL_ERROR_MESSAGE, errorId } },
    500,
  );
});

export default {
  fetch: app.fetch,
  // The consumers validate every message themselves, so they take the batch as unknown.
  queue: (batch, env) =>
    batch.queue === DEAD_LETTER_QUEUE
      ? handleDeadLetters(batch, env)
      : handleInvoiceBatch(batch, env),
  scheduled: async (controller, env) => {
    const now = new Date(controller.scheduledTime);
    // The service's time differs from the real one only under CLOCK=adjustable (no cost otherwise).
    const serviceNow = clockMode(env) === "system" ? now : new Date((await serviceClock(env))());
    await sweep(env, now, serviceNow);
  },
} satisfies ExportedHandler<Env, InvoiceJob>;
