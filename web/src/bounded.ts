/**
 * Runs `work` over `items`, at most `limit` at a time, in order of the items; each outcome is
 * kept (a failure never stops the others) and reported to `done` as it arrives.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  done?: (item: T, outcome: PromiseSettledResult<R>, index: number) => void,
): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      let outcome: PromiseSettledResult<R>;
      try {
        outcome = { status: "fulfilled", value: await work(item) };
      } catch (reason) {
        outcome = { status: "rejected", reason };
      }
      outcomes[index] = outcome;
      done?.(item, outcome, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
}
