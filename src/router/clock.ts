import { TRPCError } from "@trpc/server";
import { type ClockReading, type ClockView, clockMode } from "../domain/clock";
import { parseDuration } from "../domain/duration";
import { advanceClockInput } from "../domain/inputs";
import { adjustableClock, serviceClock } from "../worker/service-clock";
import { backofficeProcedure, router, signedInProcedure, unwrap } from "./trpc";

/** Both procedures need CLOCK=adjustable; production's system clock cannot be moved. */
function requireAdjustable(env: Env) {
  if (clockMode(env) !== "adjustable")
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message:
        "the clock is the system clock (CLOCK=system); only CLOCK=adjustable can be read and moved here",
    });
  return adjustableClock(env);
}

const iso = (ms: number) => new Date(ms).toISOString();

export const clockRouter = router({
  /** The service's time under CLOCK=adjustable. */
  now: signedInProcedure.query(async ({ ctx }): Promise<ClockView> => {
    return { now: iso(await requireAdjustable(ctx.env).now()) };
  }),

  /**
   * The service's time and which clock it reads, under either clock (never refused): the back
   * office counts down and says "5 min ago" from it, so times agree with the service's even
   * after `clock.advance` moved it.
   */
  read: signedInProcedure.query(
    async ({ ctx }): Promise<ClockReading> => ({
      mode: clockMode(ctx.env),
      now: iso((await serviceClock(ctx.env))()),
    }),
  ),

  /**
   * Moves the adjustable clock forward (`by` a duration or `to` an instant, never backwards);
   * returns once every order's timers due by then have fired and been projected (back office).
   */
  advance: backofficeProcedure
    .input(advanceClockInput)
    .mutation(async ({ ctx, input }): Promise<ClockView> => {
      const clock = requireAdjustable(ctx.env);
      const target =
        input.by !== undefined
          ? { by: parseDuration(input.by) }
          : { to: Date.parse(input.to ?? "") };
      return { now: iso(unwrap(await clock.advance(target)).now) };
    }),
});
