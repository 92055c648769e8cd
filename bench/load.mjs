// HTTP load with autocannon. Latencies are taken from autocannon's `response` event (float
// milliseconds), not from its histogram, which rounds to whole milliseconds: the floor's p50 is a
// few milliseconds, so rounding would decide the ratios.
import autocannon from "autocannon";

/** The value at quantile q (0..1) of sorted numbers (nearest rank). */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * Runs one load: `connections` connections, for `duration` seconds or `amount` requests in
 * all. `request` is an autocannon request ({ method, path, headers, body, setupRequest }).
 * Resolves with { requests, errors, p50, p99, mean, rps, seconds, firstError }.
 */
export async function load({ url, connections, duration, amount, request, timeout = 30 }) {
  const latencies = [];
  let firstError = null;
  const started = performance.now();
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    timeout,
    ...(amount ? { amount } : { duration }),
    requests: [
      {
        ...request,
        onResponse: (status, body) => {
          if (status >= 300 && firstError === null)
            firstError = `HTTP ${status}: ${String(body).slice(0, 300)}`;
        },
      },
    ],
  });
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  instance.on("reqError", (error) => {
    firstError ??= `request error: ${error?.message ?? error}`;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  return summarize(connections, [
    { latencies, seconds, errors: result.errors + result.timeouts + result.non2xx, firstError },
  ]);
}

/** Pools the latencies of several runs of one load into one summary. */
function summarize(connections, parts) {
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  return {
    connections,
    requests: latencies.length,
    errors: parts.reduce((s, p) => s + p.errors, 0),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    mean: latencies.reduce((s, v) => s + v, 0) / (latencies.length || 1),
    rps: latencies.length / seconds,
    seconds,
    firstError: parts.find((p) => p.firstError)?.firstError ?? null,
    latencies,
  };
}

/**
 * Measures several loads in alternating slices (floor, A, B, floor, A, B ...), so all of them see
 * the same machine: on a shared 2-core box the background load drifts, and a floor measured a
 * minute earlier would compare two different machines. `loads` maps names to load() options
 * without url (duration or amount per slice), with optional async `before` and `after` hooks
 * around each of its slices. Resolves with a summary per name.
 */
export async function interleaved({ url, slices, loads, onSlice }) {
  const parts = Object.fromEntries(Object.keys(loads).map((name) => [name, []]));
  for (let i = 0; i < slices; i++)
    for (const [name, options] of Object.entries(loads)) {
      onSlice?.(name, i);
      await options.before?.();
      try {
        parts[name].push(await load({ url, ...options }));
      } finally {
        await options.after?.();
      }
    }
  return Object.fromEntries(
    Object.entries(parts).map(([name, p]) => [name, summarize(loads[name].connections, p)]),
  );
}
