// The one place the back office meets the service: the typed client and the API's type.
// When the client ships as a package, these two imports become "edge-oms/client"; nothing from
// the server's code reaches the browser (AppRouter is a type, erased by the build).
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../../src/client";

export { createOrderClient } from "../../src/client";
export type { AppRouter };

export type Inputs = inferRouterInputs<AppRouter>;
export type Outputs = inferRouterOutputs<AppRouter>;

export type OrderView = Outputs["orders"]["get"];
export type ItemView = OrderView["items"][number];
export type ShipmentView = OrderView["shipments"][number];
export type Address = ShipmentView["address"];
export type Method = ShipmentView["method"];
export type OrderSummary = Outputs["orders"]["list"]["orders"][number];
export type HistoryEntry = Outputs["orders"]["history"][number];
export type ItemEvents = Outputs["orders"]["events"][number];
export type TriggerResult = Outputs["orders"]["trigger"];
export type Target = Inputs["orders"]["trigger"]["target"];
export type ListInput = Inputs["orders"]["list"];
export type ProcessDescription = Outputs["processes"]["get"];
