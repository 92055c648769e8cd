import type { inferRouterOutputs } from "@trpc/server";
import { z } from "zod";
import { clockReading, clockView } from "./domain/clock";
import { deadLetterList, requeued } from "./domain/dead-letters";
import { deliveryList, deliveryView } from "./domain/deliveries";
import { historyView } from "./domain/history";
import { importReport } from "./domain/import";
import { invoiceDetail, invoiceDocument, invoiceList, resentDocument } from "./domain/invoices";
import { mailList } from "./domain/mails";
import { historyNote, noteView } from "./domain/notes";
import { orderDiff } from "./domain/order-diff";
import { orderList } from "./domain/order-list";
import { orderView } from "./domain/order-view";
import { deadEffectsList, outboxView } from "./domain/outbox";
import { processDescription } from "./domain/process-description";
import { migrateResult, migrationStatus, processUsage } from "./domain/process-migration";
import { session, signInCode } from "./domain/sign-in";
import { matrixRow, reservation } from "./domain/stock";
import { itemEvents, triggerResult } from "./domain/trigger";
import type { AppRouter } from "./router";

type Outputs = inferRouterOutputs<AppRouter>;

/**
 * The schema of each procedure's output, for the OpenAPI document (openapi.ts). The procedures
 * declare their outputs as the types these schemas infer (domain/), and answer without parsing
 * them again (an order of 10,000 lines is not checked twice); this table is checked by the
 * compiler against the router both ways: every procedure has an entry, and each entry's type is
 * exactly the procedure's output (`Mismatched` below names any that is not).
 */
export const outputSchemas = {
  auth: { createSignInCode: signInCode, signIn: session },
  orders: {
    place: orderView,
    get: orderView,
    list: orderList,
    cancel: orderView,
    closeCancellationWindow: orderView,
    events: z.array(itemEvents),
    trigger: triggerResult,
    history: z.array(z.union([historyView, historyNote])),
    addNote: noteView,
    at: orderView,
    diff: orderDiff,
    setCustomReference: orderView,
    importEvents: importReport,
    matrix: z.array(matrixRow),
  },
  exports: { list: deliveryList, retry: deliveryView },
  invoices: {
    list: invoiceList,
    get: invoiceDetail,
    document: invoiceDocument,
    resend: resentDocument,
  },
  mails: { list: mailList },
  outbox: { list: z.array(outboxView), dead: deadEffectsList, retry: outboxView },
  processes: {
    list: z.array(processDescription),
    get: processDescription,
    usage: z.array(processUsage),
    migrate: migrateResult,
    migration: migrationStatus,
  },
  reservations: { get: z.array(reservation) },
  shipments: { create: orderView, update: orderView, moveItems: orderView },
  clock: { now: clockView, read: clockReading, advance: clockView },
  deadLetters: { list: deadLetterList, retry: requeued },
} satisfies { [R in keyof Outputs]: { [P in keyof Outputs[R]]: z.ZodType } };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schemas = typeof outputSchemas;
/** `never` when every schema's output is the procedure's output; else the paths that differ. */
type Mismatched = {
  [R in keyof Outputs & keyof Schemas]: {
    [P in keyof Outputs[R] & keyof Schemas[R]]: Schemas[R][P] extends z.ZodType
      ? Same<z.output<Schemas[R][P]>, Outputs[R][P]> extends true
        ? never
        : `${R & string}.${P & string}`
      : never;
  }[keyof Outputs[R] & keyof Schemas[R]];
}[keyof Outputs & keyof Schemas];
/**
 * zod infers a key whose schema is `z.unknown()` as optional, the router's type has it required:
 * the dead letter's `body` (any JSON), the only such field, is the one difference let through.
 */
type Tolerated = "deadLetters.list";
export const outputsMatch: [Exclude<Mismatched, Tolerated>] extends [never]
  ? true
  : Exclude<Mismatched, Tolerated> = true;

/** The output schema of the procedure at `path` ("orders.get"). */
export function outputSchema(path: string): z.ZodType | undefined {
  const [resource = "", name = ""] = path.split(".");
  const group: Record<string, z.ZodType> | undefined = Object.entries(outputSchemas).find(
    ([key]) => key === resource,
  )?.[1];
  return group ? Object.entries(group).find(([key]) => key === name)?.[1] : undefined;
}
