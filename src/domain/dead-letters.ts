import { z } from "zod";

/** Queue messages that ran out of attempts, kept with their payload (`deadLetters.*`). */

export const deadLetterView = z.object({
  id: z.string(),
  queue: z.string(),
  /** The message as the queue delivered it: any JSON (a job that never parsed, say). */
  body: z.unknown(),
  attempts: z.number().int(),
  receivedAt: z.string(),
  /** The last error, when the consumer knew it (configuration errors say what to fix). */
  lastError: z.string().nullable(),
});
export interface DeadLetterView extends z.infer<typeof deadLetterView> {}

export const deadLetterList = z.object({
  deadLetters: z.array(deadLetterView),
  nextCursor: z.string().nullable(),
});
export interface DeadLetterList extends z.infer<typeof deadLetterList> {}

/** `deadLetters.retry`: the job is back on its queue, the dead letter forgotten. */
export const requeued = z.object({ id: z.string(), requeued: z.literal(true) });
export interface Requeued extends z.infer<typeof requeued> {}
