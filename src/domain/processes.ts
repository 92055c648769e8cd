import { z } from "zod";

/**
 * The names the registered processes publish: their ids, the states an item can be in and the
 * events a person may trigger. Callers' types (the published client's included) come from here,
 * not from the machines: src/machines/registry.ts holds each machine to its names, at compile
 * time and when it loads. A new process version adds its entry here and its machine there.
 */
export const processIds = ["payment@1", "no-payment@1", "payment@2"] as const;
/** A registered process: "payment@1" | "no-payment@1" | "payment@2". */
export type ProcessId = (typeof processIds)[number];

export const processNames = {
  "payment@1": {
    states: [
      "new",
      "payment-pending",
      "paid",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "returned",
      "refunded",
      "cancelled",
      "invalid",
      "closed",
    ],
    manualEvents: [
      "pay",
      "confirm",
      "cancel",
      "ship",
      "deliver",
      "return",
      "refund",
      "close",
      "invoice-generate",
    ],
  },
  "payment@2": {
    states: [
      "new",
      "payment-pending",
      "paid",
      "awaiting-stock",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "returned",
      "refunded",
      "cancelled",
      "invalid",
      "closed",
    ],
    manualEvents: [
      "pay",
      "confirm",
      "backorder",
      "cancel",
      "ship",
      "deliver",
      "return",
      "refund",
      "close",
      "invoice-generate",
    ],
  },
  "no-payment@1": {
    states: [
      "new",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "returned",
      "cancelled",
      "closed",
    ],
    manualEvents: ["cancel", "ship", "deliver", "return", "close", "invoice-generate"],
  },
} as const satisfies Record<
  ProcessId,
  { states: readonly string[]; manualEvents: readonly string[] }
>;

type Names = typeof processNames;

/** A state of one of the registered processes ("payment-pending", "shipped", ...). */
export type ItemState = Names[ProcessId]["states"][number];
/** An event a person may trigger in one of the registered processes ("pay", "ship", ...). */
export type ManualEvent = Names[ProcessId]["manualEvents"][number];
/** The event every item receives when the order's cancellation window ends. */
export const WINDOW_CLOSED_EVENT = "cancellation-window-closed";
/** What `orders.trigger` and the ERP may send: the manual events, and closing the window. */
export type TriggerEvent = ManualEvent | typeof WINDOW_CLOSED_EVENT;
/** Each registered process with its states and manual events, for code that knows its process. */
export type ProcessNames = {
  [P in ProcessId]: { state: Names[P]["states"][number]; event: Names[P]["manualEvents"][number] };
};

/** State flags the rest of the system reads; rules depend on flags, never on state names. */
export type StateFlag =
  | "cancellable" // the customer may cancel the order while every item is in such a state
  | "reserved" // stock is reserved for the item
  | "shipped" // the item has left the warehouse: its shipment can no longer be edited
  | "cancelled" // the item's amount counts as canceled
  | "refunded" // the item's amount counts as refunded (money went back to the buyer)
  | "exclude-from-customer" // hidden from the customer's view of the order
  | "final"; // nothing more happens to the item

export const STATE_FLAGS: readonly StateFlag[] = [
  "cancellable",
  "reserved",
  "shipped",
  "cancelled",
  "refunded",
  "exclude-from-customer",
  "final",
];

export const stateFlag = z.enum(STATE_FLAGS);

const flagSet: ReadonlySet<string> = new Set(STATE_FLAGS);

export const isStateFlag = (flag: unknown): flag is StateFlag =>
  typeof flag === "string" && flagSet.has(flag);

const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** Every state of any registered process, in registry order. */
export const itemStates: readonly ItemState[] = distinct(
  processIds.flatMap((id): readonly ItemState[] => processNames[id].states),
);
/** Every manual event of any registered process, in registry order. */
export const manualEvents: readonly ManualEvent[] = distinct(
  processIds.flatMap((id): readonly ManualEvent[] => processNames[id].manualEvents),
);
/** Every event `orders.trigger` accepts, in registry order: the input schema's options. */
export const triggerEvents: readonly TriggerEvent[] = [...manualEvents, WINDOW_CLOSED_EVENT];

export const processId = z.enum(processIds);
export const itemState = z.enum(itemStates);
export const manualEvent = z.enum(manualEvents);

const stateSet: ReadonlySet<string> = new Set(itemStates);
const manualEventSet: ReadonlySet<string> = new Set(manualEvents);
const processIdSet: ReadonlySet<string> = new Set(processIds);

export const isItemState = (name: string): name is ItemState => stateSet.has(name);
export const isManualEvent = (name: string): name is ManualEvent => manualEventSet.has(name);
export const isProcessId = (id: string): id is ProcessId => processIdSet.has(id);

/**
 * A state name the engine produced, as the contract types it. The engine steps any process
 * definition by plain names; an order only ever runs a registered one, so a name outside them
 * is a fault of ours, not of the caller.
 */
export function knownState(name: string): ItemState {
  if (!isItemState(name)) throw new Error(`"${name}" is not a state of a registered process`);
  return name;
}

/** A process id as the contract types it (an order's stored process is a registered one). */
export function knownProcess(id: string): ProcessId {
  if (!isProcessId(id)) throw new Error(`"${id}" is not a registered process`);
  return id;
}
