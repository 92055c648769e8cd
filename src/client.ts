import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { AppRouter } from "./router";

export interface OrderClientOptions {
  /** The service's base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /** A bearer JWT (see `npm run token`). */
  token?: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
}

/** A typed tRPC client for frontends, back offices and scripts. */
export function createOrderClient({ url, token, fetch }: OrderClientOptions) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url.replace(/\/$/, "")}/trpc`,
        ...(fetch ? { fetch } : {}),
        async headers() {
          const value = typeof token === "function" ? await token() : token;
          return value ? { authorization: `Bearer ${value}` } : {};
        },
      }),
    ],
  });
}
export type { AppRouter } from "./router";
