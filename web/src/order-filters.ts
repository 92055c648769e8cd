// The orders list's filters as the address bar keeps them (so a filtered list is a link, and the
// order matrix's cells link to theirs), and as `orders.list` takes them.
import type { ListInput } from "./api";

export const FILTERS = [
  "search",
  "state",
  "customerReference",
  "customOrderReference",
  "placedFrom",
  "placedTo",
  // A cell of the order matrix: units of `process` waiting in `state` for an `age`.
  "process",
  "age",
] as const;
export type Filters = Record<(typeof FILTERS)[number], string>;

export const AGES = {
  day: "under a day",
  week: "a day to a week",
  older: "more than a week",
} as const;
export type Age = keyof typeof AGES;
export const isAge = (value: string): value is Age => Object.hasOwn(AGES, value);

const DAY = 24 * 60 * 60_000;

/** A local calendar day as the UTC instant it starts (or ends) at. */
const dayStart = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const dayEnd = (day: string) => new Date(`${day}T23:59:59.999`).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();

export function readFilters(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""])) as Filters;
}

/**
 * `orders.list`'s input for the filters (without cursor and limit). An age counts back from
 * `now`, the service's time, as the matrix did: the units entered the state in that window,
 * so the order was placed before its end too (which lets the list start there).
 */
export function listFilter(f: Filters, now: number): Omit<ListInput, "cursor" | "limit"> {
  const age = isAge(f.age) && f.state ? f.age : null;
  const window =
    age === "day"
      ? { after: iso(now - DAY) }
      : age === "week"
        ? { after: iso(now - 7 * DAY), until: iso(now - DAY) }
        : age === "older"
          ? { until: iso(now - 7 * DAY) }
          : null;
  const placedTo = f.placedTo ? dayEnd(f.placedTo) : undefined;
  const until = window?.until;
  return {
    ...(f.search ? { search: f.search } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.customerReference ? { customerReference: f.customerReference } : {}),
    ...(f.customOrderReference ? { customOrderReference: f.customOrderReference } : {}),
    ...(f.placedFrom ? { placedFrom: dayStart(f.placedFrom) } : {}),
    ...(placedTo || until
      ? {
          placedTo: [placedTo, until].filter(Boolean).sort()[0],
        }
      : {}),
    ...(window
      ? {
          waiting: {
            state: f.state,
            ...(f.process ? { process: f.process } : {}),
            ...window,
          },
        }
      : {}),
  };
}
