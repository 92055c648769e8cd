/**
 * Human durations ("30 minutes", "1 hour 30 minutes", "500 ms") for configuration values such
 * as CANCELLATION_WINDOW and process delays. Months and years are refused on purpose: their
 * length in milliseconds depends on the calendar, and a timer needs a fixed number.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  msecs: 1,
  millisecond: 1,
  milliseconds: 1,
  s: SECOND,
  sec: SECOND,
  secs: SECOND,
  second: SECOND,
  seconds: SECOND,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
  w: WEEK,
  wk: WEEK,
  wks: WEEK,
  week: WEEK,
  weeks: WEEK,
};

// One "<number><unit>" part, optionally preceded by a comma or "and" ("1 hour and 30 minutes").
// Sticky, so the parts must cover the whole text and nothing unreadable slips through.
const PART = /\s*(?:(?:,|and\b)\s*)?(\d+(?:\.\d+)?)\s*([a-z]*)\s*/y;

/**
 * Parses a human duration into milliseconds, for example "15 days", "90 seconds",
 * "1 hour 30 minutes", "1h30m", "2 weeks", "500 ms". Throws an Error that quotes the input
 * otherwise.
 */
export function parseDuration(text: string): number {
  const fail = (why: string): never => {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: ${why} (expected e.g. "30 minutes", "1 hour 30 minutes", "500 ms")`,
    );
  };
  if (typeof text !== "string") return fail("not a string");
  const normalized = text.trim().toLowerCase();
  if (normalized === "") return fail("empty");
  if (/(?:^|[\s,])-/.test(normalized)) return fail("must not be negative");

  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < normalized.length) {
    const at = PART.lastIndex;
    const match = PART.exec(normalized);
    if (!match) return fail(`cannot read "${normalized.slice(at)}"`);
    const [, amount = "", unit = ""] = match;
    if (unit === "") return fail(`"${amount}" has no unit`);
    const factor = UNITS[unit];
    if (factor === undefined) {
      return fail(`unknown unit "${unit}" (use ms, seconds, minutes, hours, days or weeks)`);
    }
    total += Number(amount) * factor;
  }
  // Fractions ("1.5 hours") are fine, but a timer needs whole milliseconds.
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) return fail("too large");
  return ms;
}
