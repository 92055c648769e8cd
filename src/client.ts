/**
 * The typed client, published as `edge-oms/client`. Only `@trpc/client` runs; everything else
 * here is types, so the built file is small and the same in Node and in a browser bundle.
 */
import { createTRPCClient, httpBatchLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { limits } from "./domain/limits";
import type { AppRouter } from "./router";

export type { HistoryView } from "./domain/history";
export type {
  ImportReport,
  ImportRow,
  ImportRowReport,
  ImportRowStatus,
} from "./domain/import";
export type { Address, Method, Target } from "./domain/inputs";
export type { IssueLike as ValidationIssue } from "./domain/issues";
export type { HistoryNote, NoteView } from "./domain/notes";
export type { OrderList, OrderSummary } from "./domain/order-list";
export type {
  ExpenseView,
  ItemStates,
  ItemView,
  MoneyStatus,
  MoneyTotals,
  OrderView,
  ShipmentView,
  TaxByRate,
  Totals,
} from "./domain/order-view";
export type { Role } from "./domain/principal";
export type {
  ItemState,
  ManualEvent,
  ProcessId,
  ProcessNames,
  StateFlag,
  TriggerEvent,
} from "./domain/processes";
export type { MatrixRow, Reservation } from "./domain/stock";
export type { ItemEvents, MovedItem, SkippedItem, TriggerResult } from "./domain/trigger";
export type { AppRouter };

/** Every procedure's input, e.g. `RouterInputs["orders"]["place"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `RouterOutputs["orders"]["list"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What `createOrderClient` returns. */
export type OrderClient = TRPCClient<AppRouter>;
/** What a failed call throws: `message` is a sentence, `data.code` the tRPC code. */
export type OrderClientError = TRPCClientError<AppRouter>;

/**
 * Whether an error came from a call: the service refused it (`data.code` says why) or could not
 * be reached (`data` is undefined).
 */
export function isOrderClientError(error: unknown): error is OrderClientError {
  return error instanceof TRPCClientError;
}

export interface OrderClientOptions {
  /** The service's base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /**
   * A bearer JWT, or a function that returns one (called per request, so a browser can fetch
   * a fresh token from the shop's backend when the old one expires).
   */
  token?: string | (() => string | Promise<string>);
  /** A fetch to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
}

/** A typed tRPC client for frontends, back offices and scripts. */
export function createOrderClient({ url, token, fetch }: OrderClientOptions): OrderClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url.replace(/\/$/, "")}/trpc`,
        // The server refuses larger batches; the link splits them.
        maxItems: limits.maxBatchCalls,
        ...(fetch ? { fetch } : {}),
        async headers() {
          const value = typeof token === "function" ? await token() : token;
          return value ? { authorization: `Bearer ${value}` } : {};
        },
      }),
    ],
  });
}
