// Money in minor units and times in ISO strings, shown the way the reader's browser writes them.

const fractionDigits = new Map<string, number>();

export function digitsOf(currency: string): number {
  let digits = fractionDigits.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    fractionDigits.set(currency, digits);
  }
  return digits;
}

export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(
    minor / 10 ** digitsOf(currency),
  );
}

export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** "12 min 5 s", "3 h 2 min", "2 d 4 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** A moment relative to now: "5 min ago", "in 3 h 2 min", "just now". */
export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (Math.abs(ms) < 60_000) return "just now";
  return ms < 0 ? `${duration(-ms)} ago` : `in ${duration(ms)}`;
}

/** A list of ids for a sentence: "I1", "I1 and I2", "I1, I2 and I3", or "12 items". */
export function idList(ids: readonly string[], noun = "item"): string {
  if (ids.length === 0) return "";
  if (ids.length > 5) return plural(ids.length, noun);
  if (ids.length === 1) return `${noun} ${ids[0]}`;
  return `${noun}s ${ids.slice(0, -1).join(", ")} and ${ids.at(-1)}`;
}

/** Who did something, as a person reads it ("alice (back office)", "the ERP"). */
export function actorText(actor: string): string {
  const [role, ...rest] = actor.split(":");
  const sub = rest.join(":");
  switch (role) {
    case "backoffice":
      return `${sub} (back office)`;
    case "support":
      return `${sub} (support)`;
    case "customer":
      return `the customer (${sub})`;
    case "checkout":
      return `the checkout (${sub})`;
    case "timer":
      return "the service's timer";
    case "erp":
      return "the ERP";
    case "system":
      return "the service";
    default:
      return actor;
  }
}
