/**
 * Which clock the service reads, kept apart from the adjustable clock's Durable Object so the
 * routers (whose types the published client carries) import nothing of the Workers runtime.
 */

/**
 * `CLOCK`: `system` (the default, production) reads the machine's time; `adjustable` (local
 * testing) reads one clock for the whole deployment that `clock.advance` moves forward.
 */
export type ClockMode = "system" | "adjustable";

/** The configured clock; a value other than the two is a configuration fault (500), never a guess. */
export function clockMode(env: { CLOCK?: string }): ClockMode {
  const value = env.CLOCK ?? "";
  if (value === "" || value === "system") return "system";
  if (value === "adjustable") return "adjustable";
  throw new Error(`CLOCK must be "system" or "adjustable", not ${JSON.stringify(value)}`);
}

/** The deployment's one adjustable clock (used only under CLOCK=adjustable). */
export const adjustableClock = (env: Env) => env.ADJUSTABLE_CLOCK.getByName("clock");

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
