// CPU profiles of the worker's isolate (the worker and its Durable Objects) through the
// inspector that `wrangler dev --inspector-port` serves, attributed to source files through the
// bundle's source map. Only the user worker's isolate is sampled: D1 (another local worker) and
// wrangler's proxy are not in it.
import { readFile } from "node:fs/promises";

/** A Chrome DevTools Protocol session on the worker's inspector. */
export async function connectInspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const url = targets[0]?.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/ws`;
  // The inspector proxy wants an Origin it knows; Node's WebSocket sends none by itself.
  const ws = new WebSocket(url, { headers: { Origin: "http://127.0.0.1" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector at ${url}`));
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message}`));
    else waiter.resolve(message.result);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      id += 1;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    /** Runs `work` under the sampling profiler; resolves with { profile, result }. */
    async profile(work) {
      await send("Profiler.start");
      let failure = null;
      const result = await work().catch((error) => {
        failure = error;
      });
      const { profile } = await send("Profiler.stop");
      if (failure) throw failure;
      return { profile, result };
    },
    close: () => ws.close(),
  };
}

// ------------------------------------------------------------------ source maps

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const digit = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes a v3 source map's mappings: per generated line, [column, sourceIndex] pairs. */
function decodeMappings(mappings) {
  const lines = [];
  let source = 0;
  for (const line of mappings.split(";")) {
    const segments = [];
    let column = 0;
    for (const segment of line.split(",")) {
      if (!segment) continue;
      const values = [];
      let value = 0;
      let shift = 0;
      for (const c of segment) {
        const d = digit.get(c);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0];
      if (values.length >= 4) {
        source += values[1];
        segments.push([column, source]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** `(line, column) -> original source path` for the bundle, from its .map file. */
export async function loadSourceMap(path) {
  const map = JSON.parse(await readFile(path, "utf8"));
  const lines = decodeMappings(map.mappings);
  return (line, column) => {
    const segments = lines[line];
    if (!segments?.length) return null;
    let lo = 0;
    let hi = segments.length - 1;
    if (segments[0][0] > column) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid][0] <= column) lo = mid;
      else hi = mid - 1;
    }
    return map.sources[segments[lo][1]] ?? null;
  };
}

/** A readable owner of a source path: our file (src/..., bench/...) or the npm package. */
function ownerOf(source) {
  if (!source) return null;
  const path = source.replaceAll("\\", "/");
  const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  // drizzle-orm's own maps name its TypeScript sources "src/...", relative to nothing.
  if (pkg) return pkg[1] === "src" ? "drizzle-orm" : pkg[1];
  const ours = path.match(/(?:^|\/)((?:src|bench)\/.+)$/);
  if (ours) return ours[1];
  return path.replace(/^(\.\.\/)+/, "");
}

/**
 * Self time per owner (file or package) and per function, in ms of samples. Idle time is left
 * out; "(program)" and "(garbage collector)" stay (they are work of the isolate).
 */
export function attribute(profile, sourceOf, bundleFile = "worker.js") {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  const selfMs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    selfMs.set(profile.samples[i], (selfMs.get(profile.samples[i]) ?? 0) + ms);
  }
  const owners = new Map();
  const functions = new Map();
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || "(anonymous)";
    if (name === "(idle)") continue;
    busyMs += ms;
    // Only the bundle is mapped; wrangler's own modules (middleware) keep their names.
    const inBundle = callFrame.url.endsWith(`/${bundleFile}`) || callFrame.url === bundleFile;
    const source =
      inBundle && callFrame.lineNumber >= 0
        ? sourceOf?.(callFrame.lineNumber, callFrame.columnNumber)
        : null;
    const owner =
      ownerOf(source) ??
      (name.startsWith("(")
        ? name
        : inBundle
          ? "(bundle, unmapped)"
          : callFrame.url
            ? `(wrangler: ${callFrame.url.split("/").at(-1)})`
            : "(runtime built-ins)");
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const key = `${name}  [${owner}]`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { busyMs, owners: sorted(owners), functions: sorted(functions) };
}
