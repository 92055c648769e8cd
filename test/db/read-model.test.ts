import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bulkStatements, customerOf, scaleOrder } from "../../bench/scale";
import { storedItemGroups, waitingMatrix } from "../../src/db/item-groups";
import { projectOrder } from "../../src/db/projection";
import { searchWords } from "../../src/domain/inputs";
import { listProcesses } from "../../src/machines/registry";
import { clientAs, summaryRowFor } from "../helpers";
import { seeded } from "../seed";

// The read model's indexes (the placement key, the search index walked newest first, the state
// index, the matrix's counts) answer exactly what a plain scan of the orders' rows answers.

const TOTAL = 100_000;
const NOW = Date.parse("2026-11-26T12:00:00.000Z");
const DAY = 86_400_000;
/** Placed in one millisecond, projected in this order. */
const TIED = ["ORD-TIE2", "ORD-TIE0", "ORD-TIE1"];
const TIED_AT = "2026-06-01T10:00:00.000Z";

interface Row {
  id: number;
  reference: string;
  custom_order_reference: string | null;
  customer_email: string;
  customer_name: string;
  skus: string;
  customer_reference: string;
  item_states: string;
  placed_at: string;
}

let all: Row[] = [];

beforeAll(async () => {
  // A shop of 100,000 orders sampled: every 100th over its three years, and its 200 newest.
  const picked = [
    ...new Set([
      ...Array.from({ length: 1000 }, (_, k) => k * 100),
      ...Array.from({ length: 200 }, (_, k) => TOTAL - 200 + k),
    ]),
  ];
  for (let k = 0; k < picked.length; k += 300)
    await env.DB.batch(
      bulkStatements(
        env.DB,
        picked.slice(k, k + 300).map((i) => scaleOrder(i, TOTAL, NOW)),
      ),
    );
  for (const reference of TIED)
    await projectOrder(
      env.DB,
      summaryRowFor(reference, 1, {
        placedAt: TIED_AT,
        customerReference: "frequent-1",
        customerName: "Tied Lovelace",
        itemStates: { paid: 1 },
      }),
      {
        exports: [],
        itemGroups: storedItemGroups({ process: "payment@1", reserved: [], waiting: [] }),
      },
    );
  all = (await env.DB.prepare("SELECT * FROM orders").all<Row>()).results;
});

/** The plain scan: every order's row, filtered in JavaScript, newest first. */
function scan(input: {
  search?: string | undefined;
  state?: string | undefined;
  customerReference?: string | undefined;
  placedFrom?: string | undefined;
  placedTo?: string | undefined;
}): string[] {
  const words = input.search ? searchWords(input.search).map((w) => w.toLowerCase()) : [];
  return all
    .filter((o) => {
      const text = [
        o.reference,
        o.custom_order_reference ?? "",
        o.customer_email,
        o.customer_name,
        o.skus,
      ].map((t) => t.toLowerCase());
      if (!words.every((w) => text.some((t) => t.includes(w)))) return false;
      if (input.state && !(input.state in JSON.parse(o.item_states))) return false;
      if (input.customerReference && o.customer_reference !== input.customerReference) return false;
      const placed = Date.parse(o.placed_at);
      if (input.placedFrom && placed < Date.parse(input.placedFrom)) return false;
      if (input.placedTo && placed > Date.parse(input.placedTo)) return false;
      return true;
    })
    .sort((a, b) =>
      // Newest placement first; orders placed in the same millisecond as D1 heard of them,
      // the later first.
      a.placed_at === b.placed_at ? b.id - a.id : a.placed_at < b.placed_at ? 1 : -1,
    )
    .map((o) => o.reference);
}

const words = [
  "gmbh",
  "lovelace",
  "SKU-1",
  "sku-42",
  "zyxwarth",
  "hopper",
  "PO-9",
  "mail1",
  "ada",
  "ORD-SCALE0000009",
  "tied",
  "no-such-thing",
  "ab",
];
const states = [
  "payment-pending",
  "paid",
  "exported",
  "shipped",
  "delivered",
  "closed",
  "refunded",
  "cancelled",
  "invalid",
];
const timeArb = fc
  .integer({ min: NOW - 3 * 365 * DAY, max: NOW })
  .map((t) => new Date(t).toISOString());
const filterArb = fc.record(
  {
    search: fc
      .array(fc.constantFrom(...words), { minLength: 1, maxLength: 2 })
      .map((w) => w.join(" "))
      .filter((s) => searchWords(s).length > 0),
    state: fc.constantFrom(...states),
    customerReference: fc.constantFrom("frequent-1", "frequent-7", customerOf(TOTAL - 1)),
    placedFrom: timeArb,
    placedTo: timeArb,
  },
  { requiredKeys: [] },
);

describe("orders.list over the read model's indexes", () => {
  it("lists, page by page, exactly what a plain scan of the orders finds", async () => {
    const backoffice = await clientAs("backoffice");
    expect(all.length).toBe(1198 + TIED.length);
    await fc.assert(
      fc.asyncProperty(filterArb, fc.integer({ min: 1, max: 40 }), async (filter, limit) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 60; pages++) {
          const page = await backoffice.orders.list.query({
            ...filter,
            limit,
            ...(cursor ? { cursor } : {}),
          });
          expect(page.orders.length).toBeLessThanOrEqual(limit);
          seen.push(...page.orders.map((o) => o.reference));
          cursor = page.nextCursor ?? undefined;
          if (!cursor || seen.length > 150) break;
        }
        const expected = scan(filter);
        expect(seen).toEqual(expected.slice(0, seen.length));
        if (!cursor) expect(seen.length).toBe(expected.length);
      }),
      { numRuns: 60, ...seeded("orders.list equals a plain scan") },
    );
  });

  it("lists orders placed in one millisecond as D1 heard of them, across pages", async () => {
    const backoffice = await clientAs("backoffice");
    const first = await backoffice.orders.list.query({ search: "tied lovelace", limit: 2 });
    expect(first.orders.map((o) => o.reference)).toEqual(["ORD-TIE1", "ORD-TIE0"]);
    const second = await backoffice.orders.list.query({
      search: "tied lovelace",
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second.orders.map((o) => o.reference)).toEqual(["ORD-TIE2"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("orders.matrix over the counts kept by deltas", () => {
  it("counts what a plain scan of the orders' waiting groups counts, at any moment", async () => {
    const groups = (
      await env.DB.prepare("SELECT process, groups FROM order_waiting_groups").all<{
        process: string;
        groups: string;
      }>()
    ).results.flatMap((r) =>
      (JSON.parse(r.groups) as [string, number, number][]).map(([state, since, units]) => ({
        process: r.process,
        state,
        since,
        units,
      })),
    );
    expect(groups.length).toBeGreaterThan(100);
    const sinces = groups.map((g) => g.since);
    // Moments on the buckets' edges too: exactly a day or a week after units entered a state.
    const momentArb = fc.oneof(
      fc.integer({ min: NOW - 30 * DAY, max: NOW + 30 * DAY }),
      fc
        .tuple(
          fc.constantFrom(...sinces),
          fc.constantFrom(DAY, 7 * DAY),
          fc.integer({ min: -1, max: 1 }),
        )
        .map(([since, edge, off]) => since + edge + off),
    );
    const processes = listProcesses();
    await fc.assert(
      fc.asyncProperty(momentArb, async (now) => {
        const matrix = await waitingMatrix(drizzle(env.DB), processes, now);
        const expected = new Map<string, [number, number, number]>();
        for (const g of groups) {
          const key = `${g.process} ${g.state}`;
          const buckets = expected.get(key) ?? [0, 0, 0];
          const bucket = g.since > now - DAY ? 0 : g.since > now - 7 * DAY ? 1 : 2;
          buckets[bucket] += g.units;
          expected.set(key, buckets);
        }
        for (const row of matrix)
          expect([row.lessThanDay, row.lessThanWeek, row.older]).toEqual(
            expected.get(`${row.process} ${row.state}`) ?? [0, 0, 0],
          );
        // Every state units wait in is in the matrix.
        for (const key of expected.keys())
          expect(matrix.map((r) => `${r.process} ${r.state}`)).toContain(key);
      }),
      { numRuns: 40, ...seeded("orders.matrix equals a plain scan") },
    );
  });
});
