import { ordersRouter } from "./orders";
import { router } from "./trpc";

export const appRouter = router({
  orders: ordersRouter,
});

export type AppRouter = typeof appRouter;
