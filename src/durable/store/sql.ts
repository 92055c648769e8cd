import type { z } from "zod";

/**
 * The one way the order store talks to its SQLite: statements wrapped so a failure names the
 * statement, rows read through parsers (never cast), and multi-row writes built from a column
 * list, chunked under the bound-parameter limit.
 */

/** A SQL failure, wrapped with the statement that failed. */
export class SqlError extends Error {
  constructor(
    readonly statement: string,
    cause: unknown,
  ) {
    super(
      `SQL failed: ${statement.slice(0, 200)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

export type Row = Record<string, SqlStorageValue>;

/** SQLite allows few bound parameters per statement (100 on D1): stay under them. */
const MAX_PARAMS = 99;

/** An upsert: the key whose conflict turns the insert into an update of `update`'s columns. */
export interface OnConflict<C extends string> {
  key: C;
  update: readonly C[];
}

export class Sql {
  constructor(private readonly storage: SqlStorage) {}

  exec<T extends Row = Row>(statement: string, ...bindings: SqlStorageValue[]) {
    try {
      return this.storage.exec<T>(statement, ...bindings);
    } catch (error) {
      throw new SqlError(statement, error);
    }
  }

  /**
   * Inserts rows (each keyed by column) with as many rows per statement as the parameter limit
   * allows; with `onConflict`, an existing row's `update` columns take the new values.
   */
  insert<C extends string>(
    table: string,
    columns: readonly C[],
    rows: readonly Readonly<Record<C, SqlStorageValue>>[],
    onConflict?: OnConflict<C>,
  ): void {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    const tuple = `(${columns.map(() => "?").join(", ")})`;
    const upsert = onConflict
      ? ` ON CONFLICT (${onConflict.key}) DO UPDATE SET ${onConflict.update
          .map((c) => `${c} = excluded.${c}`)
          .join(", ")}`
      : "";
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      this.exec(
        `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")}${upsert}`,
        ...chunk.flatMap((row) => columns.map((column) => row[column])),
      );
    }
  }

  /** Deletes the rows whose `column` is one of `values`, chunked like `insert`. */
  deleteWhereIn(table: string, column: string, values: readonly string[]): void {
    for (let i = 0; i < values.length; i += MAX_PARAMS) {
      const chunk = values.slice(i, i + MAX_PARAMS);
      this.exec(
        `DELETE FROM ${table} WHERE ${column} IN (${chunk.map(() => "?").join(", ")})`,
        ...chunk,
      );
    }
  }

  /** The column names a table has now. */
  columns(table: string): string[] {
    return this.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames;
  }
}

// Rows are parsed, not cast: a column of the wrong type is a storage fault with a clear message.
export function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new Error(`column ${column} is not text`);
  return value;
}
export function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== "number") throw new Error(`column ${column} is not a number`);
  return value;
}
export function optStr(row: Row, column: string): string | null {
  return row[column] === null ? null : str(row, column);
}
export function optNum(row: Row, column: string): number | null {
  return row[column] === null ? null : num(row, column);
}
/** A JSON column, parsed by its schema. */
export function json<T>(schema: z.ZodType<T>, row: Row, column: string): T {
  return schema.parse(JSON.parse(str(row, column)));
}
