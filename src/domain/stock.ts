import { z } from "zod";
import { itemState, processId } from "./processes";
import { requiredText } from "./text";

/** `reservations.get`: the SKUs a storefront asks about. */
export const reservationsInput = z.strictObject({
  skus: z.array(requiredText(100)).min(1).max(100),
});

/** Units of a SKU held by items in `reserved` states, over all orders. */
export const reservation = z.object({ sku: z.string(), reserved: z.number().int() });
export interface Reservation extends z.infer<typeof reservation> {}

/** One row of the order matrix: item quantities in a state by how long they have waited there. */
export const matrixRow = z.object({
  process: processId,
  state: itemState,
  display: z.string(),
  /** Entered the state less than 24 hours ago. */
  lessThanDay: z.number().int(),
  /** 24 hours to 7 days ago. */
  lessThanWeek: z.number().int(),
  /** 7 days ago or earlier. */
  older: z.number().int(),
});
export interface MatrixRow extends z.infer<typeof matrixRow> {}
