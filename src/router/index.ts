import { exportsRouter } from "./exports";
import { invoicesRouter } from "./invoices";
import { mailsRouter } from "./mails";
import { ordersRouter } from "./orders";
import { outboxRouter } from "./outbox";
import { processesRouter } from "./processes";
import { shipmentsRouter } from "./shipments";
import { router } from "./trpc";

export const appRouter = router({
  orders: ordersRouter,
  exports: exportsRouter,
  invoices: invoicesRouter,
  mails: mailsRouter,
  outbox: outboxRouter,
  processes: processesRouter,
  shipments: shipmentsRouter,
});

export type AppRouter = typeof appRouter;
