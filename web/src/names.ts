import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "./trpc";

export interface Names {
  /** Every state of every process (name and display name), for filters. */
  states: { name: string; display: string }[];
  /** Every manual event of every process (name and label), for the bulk action's choice. */
  events: { name: string; label: string }[];
  /** A state's display name ("payment pending"). */
  display(state: string): string;
  /** An event's button label ("Mark as paid"). */
  label(event: string): string;
  /** An event as the history tells it ("Marked as paid"). */
  done(event: string): string;
  /** A command as the history tells it ("Order confirmation mail queued"). */
  command(name: string): string;
  /** A timer, by its delay's name, as the history tells it firing ("No payment in time"). */
  timer(delay: string): string;
}

const plain = (name: string) => name.replace(/[-_]/g, " ");

/**
 * What people read for states, events, commands and timers, from the processes' descriptions
 * (the display names kept beside the processes). Until they load, names read plainly.
 */
export function useNames(): Names {
  const trpc = useTRPC();
  const processes = useQuery(trpc.processes.list.queryOptions(undefined, { staleTime: Infinity }));
  return useMemo(() => {
    const states = new Map<string, string>();
    const events = new Map<string, { label: string; done: string }>();
    const commands = new Map<string, string>();
    const timers = new Map<string, string>();
    const manual = new Set<string>();
    for (const p of processes.data ?? []) {
      for (const s of p.states) {
        if (!states.has(s.name)) states.set(s.name, s.display);
        for (const e of s.manualEvents) manual.add(e);
      }
      for (const [name, e] of Object.entries(p.displayNames.events)) events.set(name, e);
      for (const [name, text] of Object.entries(p.displayNames.commands)) commands.set(name, text);
      for (const [name, text] of Object.entries(p.displayNames.timers)) timers.set(name, text);
    }
    const label = (event: string) => events.get(event)?.label ?? plain(event);
    return {
      states: [...states].map(([name, display]) => ({ name, display })),
      events: [...manual].map((name) => ({ name, label: label(name) })),
      display: (state: string) => states.get(state) ?? plain(state),
      label,
      done: (event: string) => events.get(event)?.done ?? plain(event),
      command: (name: string) => commands.get(name) ?? plain(name),
      timer: (delay: string) => timers.get(delay) ?? `${plain(delay)} timer`,
    };
  }, [processes.data]);
}
