import { authRouter } from "./auth";
import { clockRouter } from "./clock";
import { deadLettersRouter } from "./dead-letters";
import { exportsRouter } from "./exports";
import { invoicesRouter } from "./invoices";
import { mailsRouter } from "./mails";
import { notesRouter } from "./notes";
import { orderOperationsRouter } from "./order-operations";
import { ordersRouter } from "./orders";
import { outboxRouter } from "./outbox";
import { processesRouter } from "./processes";
import { reservationsRouter } from "./reservations";
import { shipmentsRouter } from "./shipments";
import { mergeRouters, router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  orders: mergeRouters(ordersRouter, orderOperationsRouter, notesRouter),
  exports: exportsRouter,
  invoices: invoicesRouter,
  mails: mailsRouter,
  outbox: outboxRouter,
  processes: processesRouter,
  reservations: reservationsRouter,
  shipments: shipmentsRouter,
  clock: clockRouter,
  deadLetters: deadLettersRouter,
});

export type AppRouter = typeof appRouter;
