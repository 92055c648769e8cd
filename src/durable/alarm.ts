/** The first retry after the alarm failed, doubling per consecutive failure up to the cap. */
export const ALARM_RETRY_FIRST_MS = 5_000;
export const ALARM_RETRY_MAX_MS = 60 * 60_000;

/**
 * When the order object wakes next: the earliest due timer, outbox attempt or idempotency
 * expiry. Storage is touched only when that moment moves. After a failed alarm it backs off
 * exponentially (5 s, 10 s, ... capped at an hour) until an alarm succeeds again, so a fault
 * never turns into a busy loop, and every failure is logged with its count.
 */
export class AlarmScheduler {
  /** The alarm as this instance last set it (undefined: not known since the instance started). */
  private armedAt: number | null | undefined;
  private failures = 0;
  private notBefore = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** When to wake, given what the caller may have just read (`known`, else read it now). */
    private readonly nextWakeUp: (notBefore?: number, known?: number | null) => number | null,
  ) {}

  /** The platform consumed the alarm that woke us: whatever comes next must be armed anew. */
  fired(): void {
    this.armedAt = null;
  }

  /**
   * Arms the alarm for the next wake-up (not before the backoff after a failure). `notBefore`
   * (service time): a drain is about to deliver what is due now, so the alarm is only its
   * safety net and must not wake the object alongside it. `known`: the next wake-up as the
   * caller has just read it (saves reading it again).
   */
  async arm(notBefore?: number, known?: number | null): Promise<void> {
    let next = this.nextWakeUp(notBefore, known);
    if (next !== null && this.failures > 0) next = Math.max(next, this.notBefore);
    if (next === this.armedAt) return;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
    this.armedAt = next;
  }

  succeeded(): void {
    this.failures = 0;
  }

  /** Arms the retry after a failed alarm; returns when it fires and how many failures in a row. */
  async failed(now: number): Promise<{ retryAt: number; failures: number }> {
    this.failures += 1;
    this.notBefore =
      now + Math.min(ALARM_RETRY_FIRST_MS * 2 ** (this.failures - 1), ALARM_RETRY_MAX_MS);
    this.armedAt = undefined;
    await this.storage.setAlarm(this.notBefore);
    this.armedAt = this.notBefore;
    return { retryAt: this.notBefore, failures: this.failures };
  }
}
