import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type MoneyExpense,
  type MoneyItem,
  type MoneySource,
  orderMoney,
} from "../../src/engine/money";
import { allocate, shippingByRate } from "../../src/engine/tax";
import { seeded } from "../seed";

describe("allocate", () => {
  it("splits in proportion, in whole units that add up exactly; ties go to the earlier part", () => {
    expect(allocate(490, [3570, 1070])).toEqual([377, 113]);
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(0, [5, 7])).toEqual([0, 0]);
    expect(allocate(5, [0, 0])).toEqual([3, 2]);
    expect(allocate(7, [])).toEqual([]);
    const huge = allocate(999_999_999_999_999, [3, 3, 1]);
    expect(huge.reduce((a, b) => a + b, 0)).toBe(999_999_999_999_999);
    expect(huge).toEqual([428_571_428_571_428, 428_571_428_571_428, 142_857_142_857_143]);
    // Products past 2^53 are computed exactly (BigInt), not rounded as doubles.
    expect(allocate(1e15, [1e15, 1e15, 1])).toEqual([5e14, 5e14, 0]);
  });
});

describe("the shipping tax rule", () => {
  const S = "S" as const;
  it("takes the method's rate (and category) when given", () => {
    const goods = [{ category: S, rate: 19, amount: 1000, quantity: 1 }];
    expect(shippingByRate(490, { taxRate: 7 }, goods)).toEqual([
      { category: "S", rate: 7, amount: 490 },
    ]);
    expect(shippingByRate(490, { taxRate: 0, taxCategory: "E" }, goods)).toEqual([
      { category: "E", rate: 0, amount: 490 },
    ]);
  });

  it("otherwise the categories and rates of the goods, split in proportion to their value", () => {
    const goods = [
      { category: S, rate: 19, amount: 3000, quantity: 1 },
      { category: S, rate: 7, amount: 1000, quantity: 5 },
      { category: S, rate: 19, amount: 1000, quantity: 1 },
    ];
    expect(shippingByRate(500, {}, goods)).toEqual([
      { category: "S", rate: 19, amount: 400 },
      { category: "S", rate: 7, amount: 100 },
    ]);
    // Z and E at 0 % are two classes.
    const zeroes = [
      { category: "Z" as const, rate: 0, amount: 1000, quantity: 1 },
      { category: "E" as const, rate: 0, amount: 3000, quantity: 1 },
    ];
    expect(shippingByRate(400, {}, zeroes)).toEqual([
      { category: "E", rate: 0, amount: 300 },
      { category: "Z", rate: 0, amount: 100 },
    ]);
  });

  it("by quantity when every good is free, and nothing for a free shipment", () => {
    const free = [
      { category: S, rate: 19, amount: 0, quantity: 1 },
      { category: S, rate: 7, amount: 0, quantity: 3 },
    ];
    expect(shippingByRate(400, {}, free)).toEqual([
      { category: "S", rate: 19, amount: 100 },
      { category: "S", rate: 7, amount: 300 },
    ]);
    expect(shippingByRate(0, {}, free)).toEqual([]);
  });
});

const CANCELLED = ["cancelled", "final"];
const REFUNDED = ["shipped", "refunded", "final"];
const OPEN: string[] = [];

const statusFlags = fc.constantFrom(OPEN, OPEN, CANCELLED, REFUNDED);

/** Random orders within the placement limits: up to 6 lines in up to 4 items, 3 shipments. */
const sourceArb = fc
  .record({
    priceMode: fc.constantFrom("gross" as const, "net" as const),
    lines: fc.array(
      fc.record({
        unitPrice: fc.oneof(
          fc.integer({ min: 0, max: 5_000 }),
          fc.integer({ min: 0, max: 100_000_000 }),
        ),
        taxRate: fc.constantFrom(0, 2.1, 5.5, 7, 19, 21, 100),
        parts: fc.array(
          fc.record({
            quantity: fc.oneof(
              fc.integer({ min: 1, max: 5 }),
              fc.integer({ min: 1, max: 100_000 }),
            ),
            flags: statusFlags,
            shipment: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    expenses: fc.array(
      fc.record({
        amount: fc.oneof(
          fc.integer({ min: 0, max: 1_000 }),
          fc.integer({ min: 0, max: 100_000_000 }),
        ),
        rates: fc.subarray([19, 7, 0], { minLength: 1 }),
      }),
      { minLength: 4, maxLength: 4 },
    ),
  })
  .map(({ priceMode, lines, expenses }): MoneySource => {
    const items: MoneyItem[] = [];
    lines.forEach((line, l) => {
      for (const part of line.parts)
        items.push({
          id: `I${items.length + 1}`,
          lineId: `L${l + 1}`,
          quantity: part.quantity,
          unitPrice: line.unitPrice,
          taxRate: line.taxRate,
          taxCategory: line.taxRate > 0 ? "S" : "Z",
          shipmentId: `S${part.shipment}`,
          flags: part.flags,
        });
    });
    const used = [...new Set(items.map((i) => i.shipmentId))];
    const charged: MoneyExpense[] = expenses.map((e, i) => {
      // Shipments that hold items, and one removed shipment that follows the first of them.
      const current = used[i];
      return {
        shipmentId: current ?? `S${10 + i}`,
        movedTo: current ? null : (used[0] as string),
        amount: e.amount,
        byRate: e.amount
          ? allocate(
              e.amount,
              e.rates.map(() => 1),
            ).map((amount, r) => {
              const rate = e.rates[r] as number;
              return { category: rate > 0 ? ("S" as const) : ("Z" as const), rate, amount };
            })
          : [],
      };
    });
    return { priceMode, items, expenses: charged };
  });

const withFlags = (source: MoneySource, flags: (item: MoneyItem) => readonly string[]) => ({
  ...source,
  items: [...source.items].map((i) => ({ ...i, flags: flags(i) })),
});

describe("orderMoney over random orders", () => {
  it("adds up: canceled + refunded + refundable = grand total, parts = totals, nothing negative", () => {
    fc.assert(
      fc.property(sourceArb, (source) => {
        const m = orderMoney(source);
        const items = [...m.items.values()];
        const expenses = [...m.expenses.values()];
        expect(m.canceledTotal + m.refundedTotal + m.refundableTotal).toBe(m.totals.grandTotal);
        for (const a of [...items, ...expenses, ...m.lines.values(), m]) {
          const parts =
            "canceled" in a
              ? [a.canceled, a.refunded, a.refundable]
              : [a.canceledTotal, a.refundedTotal, a.refundableTotal];
          for (const n of parts) {
            expect(Number.isSafeInteger(n)).toBe(true);
            expect(n).toBeGreaterThanOrEqual(0);
          }
        }
        const sum = (key: "canceled" | "refunded" | "refundable") =>
          [...items, ...expenses].reduce((n, a) => n + a[key], 0);
        expect(sum("canceled")).toBe(m.canceledTotal);
        expect(sum("refunded")).toBe(m.refundedTotal);
        expect(sum("refundable")).toBe(m.refundableTotal);
        for (const t of [m.totals, m.billable])
          expect(t.taxByRate.reduce((n, r) => n + r.tax, 0)).toBe(t.taxTotal);
        expect(m.billable.grandTotal).toBe(m.refundableTotal);
        // The totals are what was placed: they do not depend on where the money stands.
        expect(orderMoney(withFlags(source, () => OPEN)).totals).toEqual(m.totals);
        // Gross prices: every item's amount is exactly quantity x unit price.
        if (source.priceMode === "gross")
          for (const i of source.items) {
            const a = m.items.get(i.id)!;
            expect(a.canceled + a.refunded + a.refundable).toBe(i.quantity * i.unitPrice);
          }
      }),
      { numRuns: 500, ...seeded("orderMoney adds up") },
    );
  });

  it("is stable: splits change no line amount, refunds never change canceled amounts", () => {
    fc.assert(
      fc.property(sourceArb, fc.nat(), (source, pick) => {
        const m = orderMoney(source);
        const items = [...source.items];
        const target = items[pick % items.length]!;
        if (target.quantity > 1) {
          const split = items.flatMap((i) =>
            i === target
              ? [
                  { ...i, quantity: 1 },
                  { ...i, id: `I${items.length + 1}`, quantity: i.quantity - 1 },
                ]
              : [i],
          );
          const after = orderMoney({ ...source, items: split });
          expect(after.lines).toEqual(m.lines);
          expect(after.expenses).toEqual(m.expenses);
          expect(after.billable).toEqual(m.billable);
        }
        if (target.flags === OPEN) {
          const refunded = orderMoney(
            withFlags(source, (i) => (i === target ? REFUNDED : i.flags)),
          );
          expect(refunded.canceledTotal).toBe(m.canceledTotal);
          expect(refunded.refundedTotal).toBeGreaterThanOrEqual(m.refundedTotal);
        }
      }),
      { numRuns: 300, ...seeded("orderMoney is stable") },
    );
  });

  it("bills an order with nothing canceled or refunded at its totals, tax rounded once per rate", () => {
    fc.assert(
      fc.property(sourceArb, (source) => {
        const m = orderMoney(withFlags(source, () => OPEN));
        expect(m.billable).toEqual(m.totals);
        expect(m.refundableTotal).toBe(m.totals.grandTotal);
      }),
      { numRuns: 200, ...seeded("orderMoney bills all when all is open") },
    );
  });
});
