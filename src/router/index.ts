import { ordersRouter } from "./orders";
import { processesRouter } from "./processes";
import { router } from "./trpc";

export const appRouter = router({
  orders: ordersRouter,
  processes: processesRouter,
});

export type AppRouter = typeof appRouter;
