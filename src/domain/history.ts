import { z } from "zod";
import { jsonObject } from "./json";

/**
 * One entry of an order's history (`orders.history`), oldest first: every accepted command,
 * timer, state change and effect the order recorded. Its `seq` is the order version it made.
 */
export const historyView = z.object({
  seq: z.number().int(),
  at: z.iso.datetime(),
  actor: z.string(),
  type: z.string(),
  event: z.string().optional(),
  itemIds: z.array(z.string()),
  from: z.string().optional(),
  to: z.string().optional(),
  data: jsonObject.optional(),
});
export interface HistoryView extends z.infer<typeof historyView> {}
