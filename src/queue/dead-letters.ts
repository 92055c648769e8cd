import { drizzle } from "drizzle-orm/d1";
import { deadLetters } from "../db/schema";

export const DEAD_LETTER_QUEUE = "invoices-dlq";

/**
 * Consumes the dead-letter queue: every message that exhausted its retries is stored in D1
 * with its payload exactly as it was sent, so nothing is lost and a person can replay it.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = drizzle(env.DB);
  for (const message of batch.messages) {
    try {
      await db
        .insert(deadLetters)
        .values({
          messageId: message.id,
          queue: batch.queue,
          body: JSON.stringify(message.body),
          attempts: message.attempts,
          receivedAt: new Date().toISOString(),
        })
        .onConflictDoNothing();
      console.error("dead letter stored", { queue: batch.queue, messageId: message.id });
      message.ack();
    } catch (error) {
      console.error("dead letter could not be stored", error);
      message.retry();
    }
  }
}
