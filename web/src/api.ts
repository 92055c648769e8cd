// The one place the back office meets the service: the published typed client, `edge-oms/client`
// (this repository's own package, built into dist/ by `npm install`), and the types it exports.
// Nothing from the server's code reaches the browser, and if the client's types are wrong, the
// back office does not compile.
import type { RouterInputs, RouterOutputs } from "edge-oms/client";

export type {
  Address,
  AppRouter,
  HistoryView as HistoryEntry,
  ItemEvents,
  ItemState,
  ItemView,
  ManualEvent,
  Method,
  OrderClientError,
  OrderSummary,
  OrderView,
  ShipmentView,
  Target,
  TriggerResult,
} from "edge-oms/client";
export { createOrderClient, isOrderClientError } from "edge-oms/client";

export type Inputs = RouterInputs;
export type Outputs = RouterOutputs;
export type ListInput = RouterInputs["orders"]["list"];
export type ProcessDescription = RouterOutputs["processes"]["get"];
