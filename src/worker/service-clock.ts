/**
 * The service's time as the Worker reads it (routes, webhooks, the bulk import, the invoice
 * consumer, the scheduled sweep). Kept apart from the adjustable clock's Durable Object so the
 * routers (whose types the published client carries) import nothing of the Workers runtime.
 */
import { ADJUSTABLE_CLOCK_NAME, clockMode } from "../domain/clock";

/** The deployment's one adjustable clock (used only under CLOCK=adjustable). */
export const adjustableClock = (env: Env) => env.ADJUSTABLE_CLOCK.getByName(ADJUSTABLE_CLOCK_NAME);

/**
 * The service's time for work outside an order object (list reads, the invoice consumer): a
 * clock that runs from one reading. Under CLOCK=system it is `Date.now` itself, with no I/O.
 */
export async function serviceClock(env: Env): Promise<() => number> {
  if (clockMode(env) === "system") return Date.now;
  const reading = await adjustableClock(env).now();
  const offset = reading - Date.now();
  return () => Date.now() + offset;
}
