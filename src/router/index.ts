import { ordersRouter } from "./orders";
import { processesRouter } from "./processes";
import { shipmentsRouter } from "./shipments";
import { router } from "./trpc";

export const appRouter = router({
  orders: ordersRouter,
  processes: processesRouter,
  shipments: shipmentsRouter,
});

export type AppRouter = typeof appRouter;
