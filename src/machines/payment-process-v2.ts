import { assign, type EventFromLogic, setup } from "xstate";
import { parseDuration } from "../domain/duration";
import { processNames } from "../domain/processes";
import {
  type CommandName,
  type CommandScope,
  command,
  type ItemContext,
  type ItemEvent,
  type ItemStateMeta,
  initialItemContext,
  windowClosed,
} from "./item-process";

/**
 * payment@2: payment@1 with a state and a timeout added. A paid item whose stock has not come
 * in may be put on `backorder`: it waits in `awaiting-stock` (nothing reserved) until it is
 * confirmed, or is cancelled with a refund when `stockTimeout` (14 days by default) passes.
 * Everything else is payment@1's, state for state, so payment@1 orders migrate onto it with
 * the identity map (docs/processes.md).
 *
 * Frozen once registered, like payment@1: change behaviour in a new version.
 */
export const paymentV2Machine = setup({
  types: {
    context: {} as ItemContext,
    events: {} as ItemEvent,
    meta: {} as ItemStateMeta,
  },
  actions: {
    sendOrderConfirmation: command,
    generateInvoice: command,
    notifyErp: command,
    refundItem: command,
    releaseReservation: command,
    markWindowClosed: assign({ windowClosed: true }),
  },
  guards: { windowClosed },
  // Defaults only: the registry provides the configured values (PROCESS_DELAYS).
  delays: {
    paymentTimeout: parseDuration("1 day"),
    stockTimeout: parseDuration("14 days"),
    closeAfterDelivery: parseDuration("14 days"),
  },
}).createMachine({
  id: "payment@2",
  initial: "new",
  context: initialItemContext,
  // Every item hears when the order's window closes, whatever its state; only states that
  // wait for it (confirmed) act on it, the others just remember it for later.
  on: { "cancellation-window-closed": { actions: "markWindowClosed" } },
  states: {
    new: {
      meta: { display: "new", flags: ["cancellable", "reserved"] },
      always: { target: "payment-pending", actions: "sendOrderConfirmation" },
    },
    "payment-pending": {
      meta: { display: "payment pending", flags: ["cancellable", "reserved"] },
      on: {
        pay: { target: "paid" },
        cancel: { target: "cancelled", actions: "releaseReservation" },
      },
      after: { paymentTimeout: { target: "invalid", actions: "releaseReservation" } },
    },
    paid: {
      meta: { display: "paid", flags: ["cancellable", "reserved"] },
      on: {
        confirm: { target: "confirmed" },
        backorder: { target: "awaiting-stock", actions: "releaseReservation" },
        cancel: { target: "cancelled", actions: ["refundItem", "releaseReservation"] },
      },
    },
    // New in payment@2: paid, but the stock is not there yet.
    "awaiting-stock": {
      meta: { display: "awaiting stock", flags: ["cancellable"] },
      on: {
        confirm: { target: "confirmed" },
        cancel: { target: "cancelled", actions: "refundItem" },
      },
      after: { stockTimeout: { target: "cancelled", actions: "refundItem" } },
    },
    confirmed: {
      meta: { display: "confirmed", flags: ["cancellable", "reserved"] },
      // Confirmed after the window already closed: go on at once.
      always: { guard: "windowClosed", target: "exported", actions: "notifyErp" },
      on: {
        "cancellation-window-closed": {
          target: "exported",
          actions: ["markWindowClosed", "notifyErp"],
        },
        "invoice-generate": { actions: "generateInvoice" },
        cancel: { target: "cancelled", actions: ["refundItem", "releaseReservation"] },
      },
    },
    exported: {
      meta: { display: "exported", flags: ["reserved"] },
      on: {
        ship: { target: "shipped" },
        cancel: { target: "cancelled", actions: ["refundItem", "releaseReservation"] },
        "invoice-generate": { actions: "generateInvoice" },
      },
    },
    shipped: {
      meta: { display: "shipped", flags: ["shipped"] },
      on: {
        deliver: { target: "delivered" },
        "invoice-generate": { actions: "generateInvoice" },
      },
    },
    delivered: {
      meta: { display: "delivered", flags: ["shipped"] },
      on: {
        return: { target: "returned" },
        close: { target: "closed" },
        "invoice-generate": { actions: "generateInvoice" },
      },
      after: { closeAfterDelivery: { target: "closed" } },
    },
    returned: {
      meta: { display: "returned", flags: ["shipped"] },
      on: { refund: { target: "refunded", actions: "refundItem" } },
    },
    refunded: {
      type: "final",
      meta: { display: "refunded", flags: ["shipped", "refunded", "final"] },
    },
    cancelled: {
      type: "final",
      meta: { display: "cancelled", flags: ["cancelled", "final"] },
    },
    // Never paid: hidden from the customer, and its amount counts as canceled.
    invalid: {
      type: "final",
      meta: { display: "invalid", flags: ["cancelled", "exclude-from-customer", "final"] },
    },
    closed: {
      type: "final",
      meta: { display: "closed", flags: ["shipped", "final"] },
    },
  },
});

/** Events a person may trigger: the published ones (domain/processes.ts), checked against the machine. */
export const paymentV2ManualEvents = processNames["payment@2"]
  .manualEvents satisfies readonly EventFromLogic<typeof paymentV2Machine>["type"][];

/** The ERP hears when an exported order is moved onto this version (order.process-migrated). */
export const paymentV2Migration = { notifyErp: true } as const;

export const paymentV2Commands = {
  sendOrderConfirmation: "order",
  generateInvoice: "order",
  notifyErp: "order",
  refundItem: "item",
  releaseReservation: "item",
} as const satisfies Partial<Record<CommandName, CommandScope>>;
