import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { useTRPC } from "./trpc";

/** How often the page asks the adjustable clock again (someone may move it meanwhile). */
const READ_AGAIN_MS = 30_000;

interface ServiceClock {
  /** The service's time now, in ms. */
  now(): number;
  /** False until the service said what time it is: relative times wait for it. */
  known: boolean;
}

const Context = createContext<ServiceClock>({ now: Date.now, known: false });

/**
 * The service's time for everything the page says relative to now (countdowns, "5 min ago").
 * Under CLOCK=system the service runs on real time, and so does the browser: their clocks agree
 * and the page reads its own. Under CLOCK=adjustable (local testing, `npm run seed`) the service's
 * time may be days ahead: the page reads `clock.read`, keeps the difference, and asks again now
 * and then.
 */
export function ServiceClockProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const read = useQuery(
    trpc.clock.read.queryOptions(undefined, {
      staleTime: READ_AGAIN_MS,
      refetchInterval: (query) => (query.state.data?.mode === "adjustable" ? READ_AGAIN_MS : false),
    }),
  );
  const { data, dataUpdatedAt } = read;
  const clock = useMemo<ServiceClock>(() => {
    if (!data) return { now: Date.now, known: read.isError };
    if (data.mode === "system") return { now: Date.now, known: true };
    // The answer left the service a moment before it arrived: close enough for minutes.
    const offset = Date.parse(data.now) - dataUpdatedAt;
    return { now: () => Date.now() + offset, known: true };
  }, [data, dataUpdatedAt, read.isError]);
  return <Context.Provider value={clock}>{children}</Context.Provider>;
}

export const useServiceClock = (): ServiceClock => useContext(Context);

/** The service's time, again every `intervalMs` (a countdown ticks with it). */
export function useServiceNow(intervalMs: number): { now: number; known: boolean } {
  const clock = useServiceClock();
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    setNow(clock.now());
    const timer = setInterval(() => setNow(clock.now()), intervalMs);
    return () => clearInterval(timer);
  }, [clock, intervalMs]);
  return { now, known: clock.known };
}
