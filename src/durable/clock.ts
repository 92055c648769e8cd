import { DurableObject } from "cloudflare:workers";
import { clockMode } from "../domain/clock";
import { fail, type Result } from "../domain/result";

const iso = (ms: number) => new Date(ms).toISOString();

/** How far one advance may go: about 100 years, so a typo cannot overflow a date. */
export const MAX_ADVANCE_MS = 100 * 366 * 24 * 60 * 60_000;

/** Where to move the clock: forward by a number of milliseconds, or to an instant. */
export type AdvanceTarget = { by: number } | { to: number };

interface DueRow extends Record<string, SqlStorageValue> {
  reference: string;
  due_at: number;
}

/**
 * The adjustable clock (CLOCK=adjustable): one Durable Object holding the deployment's time and
 * an index of each order's earliest timer. The time runs with the real time from where it was
 * set and only ever jumps forward, so outbox retries, projections and everything else that waits
 * for time to pass keep working between advances. `advance` wakes the orders whose timers come
 * due, one at a time in due order, each at its due time, so timers across orders fire in the
 * order they would have fired in real time.
 */
export class AdjustableClock extends DurableObject<Env> {
  /** The adjustable time minus the real time; persisted, so a restart keeps the time. */
  private offset = 0;
  /** The last time handed out: readings never go backwards, even if the real time stutters. */
  private floor = 0;
  /** Advances run one after the other. */
  private advancing: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), offset_ms INTEGER NOT NULL)`,
    );
    // One row per order that ever had a timer: its earliest due time (null: none) as of version.
    sql.exec(
      `CREATE TABLE IF NOT EXISTS due (reference TEXT PRIMARY KEY, due_at INTEGER, version INTEGER NOT NULL)`,
    );
    sql.exec(`CREATE INDEX IF NOT EXISTS due_by_time ON due (due_at) WHERE due_at IS NOT NULL`);
    const row = sql.exec<{ offset_ms: number }>(`SELECT offset_ms FROM clock`).toArray()[0];
    this.offset = row?.offset_ms ?? 0;
  }

  /** The deployment's time now, in milliseconds since the epoch. */
  async now(): Promise<number> {
    this.assertAdjustable();
    return this.read();
  }

  /**
   * An order's earliest timer moved (`dueAt` null: it has none). Reports of an older version
   * than the one recorded are late arrivals and change nothing.
   */
  async report(reference: string, version: number, dueAt: number | null): Promise<void> {
    this.assertAdjustable();
    this.record(reference, version, dueAt);
  }

  /**
   * Moves the time forward and returns once every order's timers due by the new time have fired
   * (each at its due time, across orders in due order) and the orders are projected to D1.
   * A target before now is refused: the clock never goes backwards.
   */
  async advance(target: AdvanceTarget): Promise<Result<{ now: number }>> {
    this.assertAdjustable();
    const run = this.advancing.then(() => this.advanceNow(target));
    this.advancing = run.catch(() => undefined);
    return run;
  }

  private async advanceNow(target: AdvanceTarget): Promise<Result<{ now: number }>> {
    const start = this.read();
    const to = "by" in target ? start + target.by : target.to;
    if (to < start)
      return fail(
        "PRECONDITION_FAILED",
        `the clock never goes backwards: it is ${iso(start)}, and ${iso(to)} is earlier`,
        { now: iso(start) },
      );
    if (to - start > MAX_ADVANCE_MS)
      return fail("BAD_REQUEST", `the clock advances at most 100 years at a time`, {
        now: iso(start),
      });
    let previous: string | null = null;
    for (;;) {
      const next = this.nextDue(to);
      if (!next) {
        // Nothing left by the target: jump there, then look once more, for a timer a command
        // set while the last order fired.
        if (this.read() >= to) break;
        this.setTime(to);
        continue;
      }
      const at = Math.max(next.due_at, this.read());
      // The same order due at the same moment twice means it did not fire: stop, do not spin.
      const key = `${next.reference}@${next.due_at}`;
      if (key === previous)
        return fail(
          "INTERNAL_SERVER_ERROR",
          `order ${next.reference} still has a timer due at ${iso(next.due_at)} after firing its due timers; the clock stopped at ${iso(this.read())}`,
        );
      previous = key;
      this.setTime(at);
      let fired: { version: number; nextDueAt: number | null } | null;
      try {
        fired = await this.env.ORDERS.getByName(next.reference).fireTimers(at);
      } catch (error) {
        return fail(
          "INTERNAL_SERVER_ERROR",
          `order ${next.reference} failed to fire its timers due at ${iso(next.due_at)}: ${error instanceof Error ? error.message : String(error)}; the clock stopped at ${iso(this.read())}`,
        );
      }
      if (fired === null) this.forget(next.reference);
      else this.record(next.reference, fired.version, fired.nextDueAt);
    }
    return { ok: true, now: this.read() };
  }

  private read(): number {
    this.floor = Math.max(Date.now() + this.offset, this.floor);
    return this.floor;
  }

  /** Sets the time to `at`, if that is ahead of now. */
  private setTime(at: number) {
    if (at <= this.read()) return;
    this.offset = at - Date.now();
    this.floor = at;
    this.ctx.storage.sql.exec(
      `INSERT INTO clock (id, offset_ms) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET offset_ms = excluded.offset_ms`,
      this.offset,
    );
  }

  private nextDue(by: number): DueRow | undefined {
    return this.ctx.storage.sql
      .exec<DueRow>(
        `SELECT reference, due_at FROM due WHERE due_at IS NOT NULL AND due_at <= ?
         ORDER BY due_at, reference LIMIT 1`,
        by,
      )
      .toArray()[0];
  }

  private record(reference: string, version: number, dueAt: number | null) {
    this.ctx.storage.sql.exec(
      `INSERT INTO due (reference, due_at, version) VALUES (?, ?, ?)
       ON CONFLICT (reference) DO UPDATE SET due_at = excluded.due_at, version = excluded.version
       WHERE excluded.version >= due.version`,
      reference,
      dueAt,
      version,
    );
  }

  private forget(reference: string) {
    this.ctx.storage.sql.exec(`DELETE FROM due WHERE reference = ?`, reference);
  }

  private assertAdjustable() {
    if (clockMode(this.env) !== "adjustable")
      throw new Error("the adjustable clock is only used with CLOCK=adjustable");
  }
}

/**
 * An order object's view of the adjustable clock: read once per command (one RPC) and running
 * from the latest reading in between, never backwards. It also tells the clock when the order's
 * earliest timer moves, so `advance` knows when to wake the order.
 */
export class ClockReading {
  /** A lower bound of the clock's offset to the real time (a reading arrives a little late). */
  private offset = 0;
  private latest = Number.NEGATIVE_INFINITY;
  /** The report with the highest version sent; an unchanged due time is not sent again. */
  private reported: { version: number; dueAt: number | null } | null = null;

  constructor(private readonly clock: () => DurableObjectStub<AdjustableClock>) {}

  /** The clock's time now (an RPC), never earlier than a time this object saw before. */
  async read(): Promise<number> {
    return this.observe(await this.clock().now());
  }

  /** Takes a time from the clock (a reading, or the moment `advance` fires timers at). */
  observe(at: number): number {
    this.offset = Math.max(this.offset, at - Date.now());
    this.latest = Math.max(this.latest, at);
    return this.latest;
  }

  /** The time between readings. */
  now(): number {
    return Math.max(this.latest, Date.now() + this.offset);
  }

  /**
   * The real instant at which the clock shows `at` at the latest: storage alarms take real
   * instants. The clock may be advanced meanwhile, so such an alarm can only be late, never
   * early; `advance` and the due-timer check before every command make up for that.
   */
  toReal(at: number): number {
    return at - this.offset;
  }

  /** Tells the clock the order's earliest timer, unless it already knows it. */
  async report(reference: string, version: number, dueAt: number | null): Promise<void> {
    const last = this.reported;
    if (last && last.version <= version && last.dueAt === dueAt) return;
    if (!last || version > last.version) this.reported = { version, dueAt };
    try {
      await this.clock().report(reference, version, dueAt);
    } catch (error) {
      // The change is committed either way: the report goes again with the next change, and
      // until then the order's alarm and the due-timer check before every command fire it.
      this.reported = null;
      console.error(
        JSON.stringify({
          message: "could not report the next timer to the adjustable clock",
          reference,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  /** The clock recorded this itself (it woke the order and was told the result). */
  recorded(version: number, dueAt: number | null): void {
    if (!this.reported || version >= this.reported.version) this.reported = { version, dueAt };
  }
}
