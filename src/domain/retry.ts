/**
 * How work that failed is tried again: the one backoff formula of the service, used by the
 * order's outbox (effects and ERP deliveries) and by the invoice queue's consumer.
 */

/** Delays double from `firstMs` up to `maxMs` between attempts. */
export interface RetryPolicy {
  /** The wait after the first failed attempt. */
  firstMs: number;
  /** The longest wait. */
  maxMs: number;
  /**
   * Attempts before the work is given up (parked as `dead`). Absent where someone else counts
   * them: the invoice queue's `max_retries` (wrangler.toml) sends a job to its dead letters.
   */
  maxAttempts?: number;
}

/** The wait after the `attempts`-th failed attempt (the first waits `firstMs`). */
export const backoffDelay = (policy: RetryPolicy, attempts: number): number =>
  Math.min(policy.firstMs * 2 ** (Math.max(1, attempts) - 1), policy.maxMs);

/** When to try again after the `attempts`-th failed attempt, or null when it is time to give up. */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, now: number): number | null {
  if (policy.maxAttempts !== undefined && attempts >= policy.maxAttempts) return null;
  return now + backoffDelay(policy, attempts);
}

/**
 * The policy that keeps trying for at least `spanMs`: as many attempts as it takes for the
 * delays between them to add up to the span.
 */
export function retryingFor(
  spanMs: number,
  policy: { firstMs: number; maxMs: number },
): Required<RetryPolicy> {
  let attempts = 1;
  let span = 0;
  while (span < spanMs) {
    span += backoffDelay(policy, attempts);
    attempts += 1;
  }
  return { ...policy, maxAttempts: attempts };
}
