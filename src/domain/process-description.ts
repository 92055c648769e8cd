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

export const processDescription = z.object({
  id: processId,
  name: z.string(),
  version: z.number().int(),
  initial: z.string(),
  states: z.array(processStateDescription),
  transitions: z.array(processTransitionDescription),
  /** The process as a Mermaid state diagram. */
  mermaid: z.string(),
});
export interface ProcessDescription extends z.infer<typeof processDescription> {}
