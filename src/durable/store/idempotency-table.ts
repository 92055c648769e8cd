import { type RememberedAnswer, rememberedAnswer } from "../../domain/idempotency";
import { IDEMPOTENCY_TABLE } from "./schema";
import { json, type Sql, str } from "./sql";

/** A remembered answer and the hash of the request it answered. */
export interface IdempotencyRecord {
  requestHash: string;
  answer: RememberedAnswer;
}

/** The schedule's row for the earliest expiry of an idempotency record (the TTL bound). */
export const IDEMPOTENCY_EXPIRY = `UNION ALL SELECT NULL, 'idempotency', NULL, NULL, NULL, MIN(at) + ?
  FROM idempotency`;

/**
 * Idempotency records: the first answer to a command sent with a key, kept for a while. The
 * table is created by the first command that needs it: most orders never see one.
 */
export class IdempotencyTable {
  constructor(
    private readonly sql: Sql,
    /** Whether the table exists (the store looks it up when it opens and after a rollback). */
    public exists: boolean,
  ) {}

  find(key: string): IdempotencyRecord | null {
    if (!this.exists) return null;
    const row = this.sql
      .exec(`SELECT request_hash, response FROM idempotency WHERE key = ?`, key)
      .toArray()[0];
    return row
      ? { requestHash: str(row, "request_hash"), answer: json(rememberedAnswer, row, "response") }
      : null;
  }

  remember(key: string, requestHash: string, answer: RememberedAnswer, now: number) {
    if (!this.exists) {
      this.sql.exec(IDEMPOTENCY_TABLE);
      this.exists = true;
    }
    this.sql.exec(
      `INSERT INTO idempotency (key, request_hash, response, at) VALUES (?, ?, ?, ?)`,
      key,
      requestHash,
      JSON.stringify(answer),
      now,
    );
  }

  /** Forgets records written before `before`. */
  prune(before: number): number {
    if (!this.exists) return 0;
    return this.sql.exec(`DELETE FROM idempotency WHERE at < ?`, before).rowsWritten;
  }
}
