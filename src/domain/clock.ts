import { z } from "zod";

/**
 * `CLOCK`: `system` (the default, production) reads the machine's time; `adjustable` (local
 * testing) reads one clock for the whole deployment that `clock.advance` moves forward.
 */
export const clockModes = z.enum(["system", "adjustable"]);
export type ClockMode = z.infer<typeof clockModes>;

/** The configured clock; a value other than the two is a configuration fault (500), never a guess. */
export function clockMode(env: { CLOCK?: string }): ClockMode {
  const value = env.CLOCK ?? "";
  if (value === "" || value === "system") return "system";
  if (value === "adjustable") return "adjustable";
  throw new Error(`CLOCK must be "system" or "adjustable", not ${JSON.stringify(value)}`);
}

/** The name of the deployment's one adjustable clock object (used only under CLOCK=adjustable). */
export const ADJUSTABLE_CLOCK_NAME = "clock";

/** The service's time (`clock.now`, `clock.advance`), ISO 8601 in UTC. */
export const clockView = z.object({ now: z.iso.datetime() });
export interface ClockView extends z.infer<typeof clockView> {}

/** `clock.read`: the service's time and which clock it reads (under either clock). */
export const clockReading = clockView.extend({ mode: clockModes });
export interface ClockReading extends z.infer<typeof clockReading> {}
