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
 * payment@1: one order item's life when the customer pays (modelled on Spryker's DummyPayment
 * demo process). The order confirmation goes out on placement; the item waits for payment
 * (or times out), is confirmed, and is exported to the ERP only once the customer can no longer
 * cancel the order.
 *
 * Frozen: orders placed with payment@1 stay on it for their whole life. Change behaviour in a
 * new file (payment@2) and register it next to this one.
 */
export const paymentMachine = setup({
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
    closeAfterDelivery: parseDuration("14 days"),
  },
}).createMachine({
  id: "payment@1",
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
        cancel: { target: "cancelled", actions: ["refundItem", "releaseReservation"] },
      },
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
    // `refunded` was added to the flags after payment@1 shipped: metadata only (no state, event,
    // timer or transition changed), so stored orders keep their meaning and gain refund amounts.
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
export const paymentManualEvents = processNames["payment@1"]
  .manualEvents satisfies readonly EventFromLogic<typeof paymentMachine>["type"][];

export const paymentCommands = {
  sendOrderConfirmation: "order",
  generateInvoice: "order",
  notifyErp: "order",
  refundItem: "item",
  releaseReservation: "item",
} as const satisfies Partial<Record<CommandName, CommandScope>>;
