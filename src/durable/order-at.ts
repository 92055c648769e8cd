import type { OrderView } from "../domain/order-view";
import { fail, type Result } from "../domain/result";
import { stateAt } from "../engine/versions";
import { orderView } from "../engine/view";
import type { OrderStore } from "./order-store";
import type { CommandPipeline } from "./pipeline";

/**
 * The order as it was at `version`, with the process it ran on then, and when that version was
 * made (orders.at, orders.diff): rebuilt from the order's version log. Read only: nothing fires,
 * nothing is written.
 */
export function viewAt(
  pipeline: CommandPipeline,
  store: OrderStore,
  version: number,
): Result<{ order: OrderView; at: number }> {
  const state = pipeline.order();
  if (!state) return fail("NOT_FOUND", "order not found");
  if (version > state.version)
    return fail("BAD_REQUEST", `version: the order is at version ${state.version}`, {
      path: ["version"],
      currentVersion: state.version,
    });
  const past = stateAt(store.versionsUpTo(version), version);
  const entry = store.historyEntry(version);
  if (!past || !entry)
    return fail(
      "PRECONDITION_FAILED",
      `version: ${version} is older than this order's version log (kept since it was upgraded)`,
    );
  const at = Date.parse(entry.at);
  return { ok: true, order: orderView(past, pipeline.process(past), at), at };
}
