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
 * no-payment@1: one order item's life when nothing has to be paid up front (modelled on
 * Spryker's NoPayment demo process): confirmed on placement, exported to the ERP once the
 * customer can no longer cancel, then shipped, delivered and closed. Nothing was paid, so a
 * cancel or return refunds nothing.
 *
 * Frozen: orders placed with no-payment@1 stay on it for their whole life. Change behaviour in
 * a new file (no-payment@2) and register it next to this one.
 */
export const noPaymentMachine = setup({
  types: {
    context: {} as ItemContext,
    events: {} as ItemEvent,
    meta: {} as ItemStateMeta,
  },
  actions: {
    sendOrderConfirmation: command,
    generateInvoice: command,
    notifyErp: command,
    releaseReservation: command,
    markWindowClosed: assign({ windowClosed: true }),
  },
  guards: { windowClosed },
  // Default only: the registry provides the configured value (PROCESS_DELAYS).
  delays: { closeAfterDelivery: parseDuration("14 days") },
}).createMachine({
  id: "no-payment@1",
  initial: "new",
  context: initialItemContext,
  on: { "cancellation-window-closed": { actions: "markWindowClosed" } },
  states: {
    new: {
      meta: { display: "new", flags: ["cancellable", "reserved"] },
      always: { target: "confirmed", actions: "sendOrderConfirmation" },
    },
    confirmed: {
      meta: { display: "confirmed", flags: ["cancellable", "reserved"] },
      // Window already closed (e.g. the back office skipped it): go on at once.
      always: { guard: "windowClosed", target: "exported", actions: "notifyErp" },
      on: {
        "cancellation-window-closed": {
          target: "exported",
          actions: ["markWindowClosed", "notifyErp"],
        },
        "invoice-generate": { actions: "generateInvoice" },
        cancel: { target: "cancelled", actions: "releaseReservation" },
      },
    },
    exported: {
      meta: { display: "exported", flags: ["reserved"] },
      on: {
        ship: { target: "shipped" },
        cancel: { target: "cancelled", actions: "releaseReservation" },
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
      on: { close: { target: "closed" } },
    },
    cancelled: {
      type: "final",
      meta: { display: "cancelled", flags: ["cancelled", "final"] },
    },
    closed: {
      type: "final",
      meta: { display: "closed", flags: ["shipped", "final"] },
    },
  },
});

/** Events a person may trigger: the published ones (domain/processes.ts), checked against the machine. */
export const noPaymentManualEvents = processNames["no-payment@1"]
  .manualEvents satisfies readonly EventFromLogic<typeof noPaymentMachine>["type"][];

export const noPaymentCommands = {
  sendOrderConfirmation: "order",
  generateInvoice: "order",
  notifyErp: "order",
  releaseReservation: "item",
} as const satisfies Partial<Record<CommandName, CommandScope>>;
