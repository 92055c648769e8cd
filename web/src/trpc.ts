import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type AppRouter, createOrderClient } from "./api";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The typed client every project uses, pointed at the Worker that served this page. */
export const createClient = (token: () => string) =>
  createOrderClient({ url: location.origin, token });
