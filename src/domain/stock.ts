import { z } from "zod";
import type { ItemState, ProcessId } from "./processes";
import { requiredText } from "./text";

/** `reservations.get`: the SKUs a storefront asks about. */
export const reservationsInput = z.strictObject({
  skus: z.array(requiredText(100)).min(1).max(100),
});

/** Units of a SKU held by items in `reserved` states, over all orders. */
export interface Reservation {
  sku: string;
  reserved: number;
}

/** One row of the order matrix: item quantities in a state by how long they have waited there. */
export interface MatrixRow {
  process: ProcessId;
  state: ItemState;
  display: string;
  /** Entered the state less than 24 hours ago. */
  lessThanDay: number;
  /** 24 hours to 7 days ago. */
  lessThanWeek: number;
  /** 7 days ago or earlier. */
  older: number;
}
