import { drizzle } from "drizzle-orm/d1";
import type { Db } from "../db/schema";
import { deadLetters } from "../db/schema";

export const DEAD_LETTER_QUEUE = "invoices-dlq";

/** A message kept as a dead letter, with its payload exactly as it was sent. */
export interface DeadLetter {
  messageId: string;
  queue: string;
  body: unknown;
  attempts: number;
  receivedAt: string;
  lastError: string | null;
}

/** Stores a dead letter (a repeated message id is stored once). */
export async function storeDeadLetter(db: Db, letter: DeadLetter): Promise<void> {
  await db
    .insert(deadLetters)
    .values({ ...letter, body: JSON.stringify(letter.body) })
    .onConflictDoNothing();
}

/**
 * Consumes the dead-letter queue: every message that exhausted its retries is stored in D1
 * with its payload exactly as it was sent, so nothing is lost and a person can replay it
 * (`deadLetters.retry`).
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = drizzle(env.DB);
  for (const message of batch.messages) {
    try {
      await storeDeadLetter(db, {
        messageId: message.id,
        queue: batch.queue,
        body: message.body,
        attempts: message.attempts,
        receivedAt: new Date().toISOString(),
        lastError: null,
      });
      console.error("dead letter stored", { queue: batch.queue, messageId: message.id });
      message.ack();
    } catch (error) {
      console.error("dead letter could not be stored", error);
      message.retry();
    }
  }
}
