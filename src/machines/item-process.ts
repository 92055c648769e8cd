/**
 * What every item process shares: the item context, the state meta and its flags, the event
 * names, the command names and the one guard. Each process still calls `setup()` itself (in
 * its own file) so that a new version can bring its own commands, guards and delays.
 */

import { z } from "zod";
import { isStateFlag, type StateFlag, WINDOW_CLOSED_EVENT } from "../domain/processes";

/** An item's extended state besides its state name. Kept tiny: it is stored per item row. */
export const itemContextSchema = z.object({
  /** The order's cancellation window has closed (the order-level timer fired or was skipped). */
  windowClosed: z.boolean(),
});
export type ItemContext = z.infer<typeof itemContextSchema>;

export const initialItemContext: ItemContext = { windowClosed: false };

export interface ItemStateMeta {
  /** What a person sees, e.g. "payment pending". */
  display: string;
  flags: readonly StateFlag[];
}

/**
 * A state node's meta as display name and flags. xstate hands meta out untyped once machines
 * sit in one registry, so it is read defensively: a missing display falls back to the state's
 * name, unknown flags are dropped.
 */
export function readStateMeta(state: string, meta: unknown): ItemStateMeta {
  const m: { display?: unknown; flags?: unknown } =
    typeof meta === "object" && meta !== null ? meta : {};
  return {
    display: typeof m.display === "string" ? m.display : state,
    flags: Array.isArray(m.flags) ? m.flags.filter(isStateFlag) : [],
  };
}

/** Every event name any item process understands. Internal timer events come on top. */
export type ItemEventType =
  | "pay"
  | "confirm"
  | "backorder"
  | "cancel"
  | "ship"
  | "deliver"
  | "return"
  | "refund"
  | "close"
  | "invoice-generate"
  | "cancellation-window-closed";

export interface ItemEvent {
  type: ItemEventType;
}

// The window's event is one of the events every item process understands.
WINDOW_CLOSED_EVENT satisfies ItemEventType;

/**
 * Commands are the named actions the engine gives meaning to. "order" commands run once per
 * event for the whole order (one confirmation mail, one invoice), "item" commands once per item.
 */
export type CommandScope = "order" | "item";

export type CommandName =
  | "sendOrderConfirmation"
  | "generateInvoice"
  | "notifyErp"
  | "refundItem"
  | "releaseReservation";

/**
 * Commands do nothing inside the machine: the engine reads their names from the pure
 * transition result and turns them into outbox rows. Returning nothing here keeps the
 * machines free of I/O.
 */
export const command = (): void => {};

export const windowClosed = ({ context }: { context: ItemContext }): boolean =>
  context.windowClosed;
