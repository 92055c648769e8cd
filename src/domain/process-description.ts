import { z } from "zod";
import { processId, stateFlag } from "./processes";

/** A registered process as `processes.list` and `processes.get` describe it (with its diagram). */

export const processStateDescription = z.object({
  name: z.string(),
  display: z.string(),
  flags: z.array(stateFlag).readonly(),
  /** Manual events with a transition from this state (guards not evaluated). */
  manualEvents: z.array(z.string()),
});
export interface ProcessStateDescription extends z.infer<typeof processStateDescription> {}

export const processTransitionDescription = z.object({
  from: z.string(),
  /** Equal to `from` for a transition that runs commands without leaving the state. */
  to: z.string(),
  /** The event; "always" for an eventless transition, "after <delayName>" for a timeout. */
  event: z.string(),
  manual: z.boolean(),
  guard: z.string().optional(),
  commands: z.array(z.string()),
});
export interface ProcessTransitionDescription
  extends z.infer<typeof processTransitionDescription> {}

/** An event's words: a button's label ("Mark as paid") and the history's ("Marked as paid"). */
export const eventDisplayName = z.object({ label: z.string(), done: z.string() });
export interface EventDisplayName extends z.infer<typeof eventDisplayName> {}

/** Labels for buttons and history: from a map beside the processes, not from the machine. */
export const processDisplayNames = z.object({
  /** Per manual event (and the window's closing). */
  events: z.record(z.string(), eventDisplayName),
  /** Per command, what the history says it did. */
  commands: z.record(z.string(), z.string()),
  /** Per timer (its delay's name), what the history says when it fired. */
  timers: z.record(z.string(), z.string()),
});
export interface ProcessDisplayNames extends z.infer<typeof processDisplayNames> {}

export const processDescription = z.object({
  id: processId,
  name: z.string(),
  version: z.number().int(),
  initial: z.string(),
  states: z.array(processStateDescription),
  transitions: z.array(processTransitionDescription),
  /** The process as a Mermaid state diagram. */
  mermaid: z.string(),
  displayNames: processDisplayNames,
});
export interface ProcessDescription extends z.infer<typeof processDescription> {}
