import type { ProcessDefinition } from "../machines/registry";
import type { Item } from "./model";
import { type StepResult, step } from "./step";

/**
 * The stepper an order's commands share: its process, what the engine takes from the
 * configuration, and the step results of the (state, context, event) combinations it has met.
 */

/** What the engine takes from the configuration. */
export interface OrderSettings {
  /**
   * INVOICE_REQUEST_TIMEOUT: while an invoice requested this long ago is not issued, another
   * request is recorded as skipped instead of queuing a second job; after it, a request goes
   * out again (the first job may be lost).
   */
  invoiceRequestTimeoutMs: number;
}

export const defaultOrderSettings: OrderSettings = { invoiceRequestTimeoutMs: 60 * 60_000 };

/**
 * Steps items through the process. Items in the same state and context react the same way to
 * the same event, so each distinct (state, context) is stepped once: a bulk event on 10,000
 * items costs a handful of xstate transitions, not 10,000.
 */
export class Stepper {
  private readonly cache = new Map<string, Stepped | null>();
  constructor(
    readonly process: ProcessDefinition,
    readonly settings: OrderSettings = defaultOrderSettings,
  ) {}

  step(item: Item, event: string): Stepped | null {
    const context = JSON.stringify(item.context);
    const key = `${item.state}\u0000${context}\u0000${event}`;
    let stepped = this.cache.get(key);
    if (stepped === undefined) {
      const result = step(this.process, { state: item.state, context: item.context }, event);
      stepped = result && {
        ...result,
        unchanged:
          result.snapshot.state === item.state &&
          JSON.stringify(result.snapshot.context) === context,
      };
      this.cache.set(key, stepped);
    }
    return stepped;
  }
}

/** A step's result, and whether it left the item's snapshot as it was (nothing to write). */
export interface Stepped extends StepResult {
  unchanged: boolean;
}
