// The one place the back office meets the service: the published typed client, `edge-oms/client`
// (this repository's own package, built into dist/ by `npm install`), and the types it exports.
// Nothing from the server's code reaches the browser, and if the client's types are wrong, the
// back office does not compile.
import type { RouterInputs, RouterOutputs } from "edge-oms/client";

export type {
  Address,
  AppRouter,
  ItemEvents,
  ItemState,
  ItemView,
  ManualEvent,
  Method,
  OrderClient,
  OrderClientError,
  OrderSummary,
  OrderView,
  ShipmentView,
  Target,
  TriggerResult,
} from "edge-oms/client";
export { createOrderClient, isOrderClientError } from "edge-oms/client";

export type { RouterOutputs };
export type Inputs = RouterInputs;
export type Outputs = RouterOutputs;
export type ListInput = RouterInputs["orders"]["list"];
export type ProcessDescription = RouterOutputs["processes"]["get"];
/** What `orders.history` gives staff: the order's entries and its internal notes, by time. */
export type TimelineEntry = RouterOutputs["orders"]["history"][number];
export type HistoryEntry = Exclude<TimelineEntry, { type: "note" }>;
export type NoteEntry = Extract<TimelineEntry, { type: "note" }>;
