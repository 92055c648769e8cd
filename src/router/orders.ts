import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { notesOf } from "../db/notes";
import { listOrders } from "../db/queries";
import type { HistoryView } from "../domain/history";
import {
  historyInput,
  listOrdersInput,
  orderMutationInput,
  orderReference,
  placeOrderInput,
  setCustomReferenceInput,
  triggerInput,
} from "../domain/inputs";
import type { HistoryNote, NoteView } from "../domain/notes";
import { type OrderDiff, orderAtInput, orderDiffInput } from "../domain/order-diff";
import type { OrderList } from "../domain/order-list";
import type { OrderView } from "../domain/order-view";
import type { Actor } from "../domain/principal";
import type { ItemEvents, TriggerResult } from "../domain/trigger";
import { parsePaymentProcesses, paymentMethodIssue } from "../machines/registry";
import { serviceClock } from "../worker/service-clock";
import type { Principal } from "./context";
import {
  backofficeProcedure,
  badInput,
  checkoutProcedure,
  customerOrBackofficeProcedure,
  customerOrStaffProcedure,
  router,
  staffProcedure,
  unwrap,
} from "./trpc";

export const actorOf = (p: Principal): Actor => ({ type: "user", role: p.role, sub: p.sub });

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The order reference comes from the placing caller and its idempotency key, so a retried
 * placement reaches the same Durable Object. 80 bits in Crockford base32: no global counter.
 */
export async function orderReferenceFor(sub: string, idempotencyKey: string): Promise<string> {
  const bytes = await sha256(`${sub}\n${idempotencyKey}`);
  let bits = 0n;
  for (const b of bytes.slice(0, 10)) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = BASE32[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return `ORD-${out}`;
}

const byReference = z.strictObject({ reference: orderReference });

const asEntry = (note: NoteView): HistoryNote => ({ type: "note", ...note, itemIds: [] });

/** History entries with notes merged in by time; a note goes after the entries of its instant. */
function withNotesByTime(history: HistoryView[], notes: NoteView[]): (HistoryView | HistoryNote)[] {
  if (notes.length === 0) return history;
  const merged: (HistoryView | HistoryNote)[] = [];
  const pending = notes.values();
  let next = pending.next();
  for (const entry of history) {
    for (; !next.done && next.value.at < entry.at; next = pending.next())
      merged.push(asEntry(next.value));
    merged.push(entry);
  }
  for (; !next.done; next = pending.next()) merged.push(asEntry(next.value));
  return merged;
}

export const ordersRouter = router({
  /** Places an order (checkout service). Idempotent on the caller's idempotencyKey. */
  place: checkoutProcedure
    .input(placeOrderInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      // Here, where the configuration is at hand, so a typo never reaches an order object.
      const methods = parsePaymentProcesses(ctx.env.PAYMENT_PROCESSES);
      const unknownMethod = paymentMethodIssue(input.paymentMethod, methods);
      if (unknownMethod) throw badInput(["paymentMethod"], unknownMethod);
      const reference = await orderReferenceFor(ctx.principal.sub, input.idempotencyKey);
      const requestHash = hex(await sha256(JSON.stringify(input)));
      const result = await ctx.env.ORDERS.getByName(reference).place(input, {
        reference,
        requestHash,
        actor: actorOf(ctx.principal),
      });
      return unwrap(result).order;
    }),

  /** One order, strongly consistent, from its Durable Object. */
  get: customerOrStaffProcedure
    .input(byReference)
    .query(async ({ ctx, input }): Promise<OrderView> => {
      const stub = ctx.env.ORDERS.getByName(input.reference);
      return unwrap(await stub.get(actorOf(ctx.principal))).order;
    }),

  /** Orders from the D1 read model (eventually consistent; each row carries its version). */
  list: customerOrStaffProcedure
    .input(listOrdersInput)
    .query(async ({ ctx, input }): Promise<OrderList> => {
      if (ctx.principal.role === "customer") {
        if (input.customerReference && input.customerReference !== ctx.principal.sub)
          return { orders: [], nextCursor: null };
        input.customerReference = ctx.principal.sub;
      }
      const now = new Date((await serviceClock(ctx.env))());
      const result = await listOrders(ctx.db, input, now, ctx.principal.role === "customer");
      if ("badCursor" in result)
        throw new TRPCError({ code: "BAD_REQUEST", message: "cursor: not a cursor of this list" });
      return result;
    }),

  /** Cancels the whole order (customer within the window, or back office). */
  cancel: customerOrBackofficeProcedure
    .input(orderMutationInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...options } = input;
      return unwrap(
        await ctx.env.ORDERS.getByName(reference).cancel(options, actorOf(ctx.principal)),
      ).order;
    }),

  /** Closes the customer's cancellation window early (back office). */
  closeCancellationWindow: backofficeProcedure
    .input(orderMutationInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...options } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.closeCancellationWindow(options, actorOf(ctx.principal))).order;
    }),

  /** Manual events each item accepts now. */
  events: staffProcedure.input(byReference).query(async ({ ctx, input }): Promise<ItemEvents[]> => {
    return unwrap(await ctx.env.ORDERS.getByName(input.reference).events()).items;
  }),

  /** Triggers an event on all items, a shipment, or chosen items and quantities. */
  trigger: backofficeProcedure
    .input(triggerInput)
    .mutation(async ({ ctx, input }): Promise<TriggerResult> => {
      const { reference, ...rest } = input;
      const { ok: _ok, ...result } = unwrap(
        await ctx.env.ORDERS.getByName(reference).trigger(rest, actorOf(ctx.principal)),
      );
      return result;
    }),

  /**
   * The order's history, oldest first. Staff also read the order's internal notes in it, merged
   * by time (type `note`, no `seq`); a customer never does, nor does a history of one item.
   */
  history: customerOrStaffProcedure
    .input(historyInput)
    .query(async ({ ctx, input }): Promise<(HistoryView | HistoryNote)[]> => {
      const stub = ctx.env.ORDERS.getByName(input.reference);
      const withNotes = ctx.principal.role !== "customer" && input.itemId === undefined;
      const [result, notes] = await Promise.all([
        stub.history(actorOf(ctx.principal), input.itemId),
        withNotes ? notesOf(ctx.db, input.reference) : [],
      ]);
      return withNotesByTime(unwrap(result).history, notes);
    }),

  /** The order as it was at a version, with the process it ran on then (staff). */
  at: staffProcedure.input(orderAtInput).query(async ({ ctx, input }): Promise<OrderView> => {
    const stub = ctx.env.ORDERS.getByName(input.reference);
    return unwrap(await stub.at(actorOf(ctx.principal), input.version)).order;
  }),

  /** What changed between two versions: items' states and quantities, shipments, money. */
  diff: staffProcedure.input(orderDiffInput).query(async ({ ctx, input }): Promise<OrderDiff> => {
    const stub = ctx.env.ORDERS.getByName(input.reference);
    return unwrap(await stub.diff(actorOf(ctx.principal), input.from, input.to)).diff;
  }),

  /** Sets or clears ("") the buyer's own order reference (back office). */
  setCustomReference: backofficeProcedure
    .input(setCustomReferenceInput)
    .mutation(async ({ ctx, input }): Promise<OrderView> => {
      const { reference, ...rest } = input;
      const stub = ctx.env.ORDERS.getByName(reference);
      return unwrap(await stub.setCustomReference(rest, actorOf(ctx.principal))).order;
    }),
});
