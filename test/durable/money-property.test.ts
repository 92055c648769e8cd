import { env } from "cloudflare:workers";
import { TRPCClientError } from "@trpc/client";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import type { MoneyTotals, OrderView } from "../../src/domain/order-view";
import type { ItemEventType } from "../../src/machines/item-process";
import { clientAs, orderInput, settled } from "../helpers";
import { seeded } from "../seed";

const db = drizzle(env.DB, { schema });
const address = orderInput().billingAddress;

/** The event that moves an item one step towards a refund, by state. */
const nextStep: Record<string, ItemEventType> = {
  "payment-pending": "pay",
  paid: "confirm",
  exported: "ship",
  shipped: "deliver",
  delivered: "return",
  returned: "refund",
};

const lineArb = fc.record({
  quantity: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3_000_000 })),
  unitPrice: fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: 100_000_000 }),
  ),
  taxRate: fc.constantFrom(0, 5.5, 7, 19, 21),
  /** The category of a 0 % line: zero rated or exempt (two VAT classes at 0 %). */
  zeroCategory: fc.constantFrom("Z" as const, "E" as const),
  isQuantitySplittable: fc.boolean(),
  spread: fc.boolean(),
});

const shipmentArb = fc.record({
  price: fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  ),
  taxRate: fc.option(fc.constantFrom(0, 7, 19), { nil: undefined }),
});

const pick = { pick: fc.nat(), part: fc.nat() };
const commandArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("step" as const), all: fc.boolean(), ...pick }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), ...pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel-shipment" as const), ...pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel-order" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("move" as const), ...pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("merge" as const), ...pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("create" as const), ...pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("update" as const), price: fc.nat(5_000), ...pick }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("close-window" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("invoice" as const) }) },
);

/**
 * Random work around a walk: some commands, then the window closes and every item takes a few
 * steps towards a refund (six reach it), then more commands. Without the walk, refunds would
 * almost never happen in a random sequence.
 */
const planArb = fc
  .record({
    before: fc.array(commandArb, { maxLength: 6 }),
    walk: fc.oneof(fc.constant(6), fc.integer({ min: 0, max: 7 })),
    invoiceAfter: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
    after: fc.array(commandArb, { maxLength: 8 }),
  })
  .map(({ before, walk, invoiceAfter, after }): Command[] => {
    const steps: Command[] = Array.from({ length: walk }, () => ({
      kind: "step",
      all: true,
      pick: 0,
      part: 0,
    }));
    // An invoice somewhere along the walk, while items are in states that accept it.
    if (invoiceAfter !== undefined) steps.splice(invoiceAfter, 0, { kind: "invoice" });
    return [...before, { kind: "close-window" }, ...steps, ...after];
  });

type Command = typeof commandArb extends fc.Arbitrary<infer C> ? C : never;
type LineSpec = typeof lineArb extends fc.Arbitrary<infer L> ? L : never;
type ShipmentSpec = typeof shipmentArb extends fc.Arbitrary<infer S> ? S : never;

const placedTotals = (t: OrderView["totals"]): MoneyTotals => ({
  subtotal: t.subtotal,
  expenseTotal: t.expenseTotal,
  discountTotal: t.discountTotal,
  taxTotal: t.taxTotal,
  grandTotal: t.grandTotal,
  taxByRate: t.taxByRate,
});

const taxAddsUp = (t: MoneyTotals) =>
  expect(t.taxByRate.reduce((n, r) => n + r.tax, 0)).toBe(t.taxTotal);

/** Every money invariant an order view must satisfy, whatever happened to it. */
function expectMoneyAddsUp(view: OrderView, placed: MoneyTotals) {
  const { totals } = view;
  expect(placedTotals(totals)).toEqual(placed);
  expect(totals.canceledTotal + totals.refundedTotal + totals.refundableTotal).toBe(
    totals.grandTotal,
  );
  for (const n of [totals.canceledTotal, totals.refundedTotal, totals.refundableTotal])
    expect(n).toBeGreaterThanOrEqual(0);
  for (const a of [...view.items, ...view.expenses])
    for (const n of [a.canceledAmount, a.refundedAmount, a.refundableAmount]) {
      expect(Number.isSafeInteger(n)).toBe(true);
      expect(n).toBeGreaterThanOrEqual(0);
    }
  const sum = (key: "canceledAmount" | "refundedAmount" | "refundableAmount") =>
    [...view.items, ...view.expenses].reduce((n, a) => n + a[key], 0);
  expect(sum("canceledAmount")).toBe(totals.canceledTotal);
  expect(sum("refundedAmount")).toBe(totals.refundedTotal);
  expect(sum("refundableAmount")).toBe(totals.refundableTotal);
  taxAddsUp(totals);
  taxAddsUp(totals.billable);
  expect(totals.billable.grandTotal).toBe(totals.refundableTotal);
  expect(totals.billable.subtotal + totals.billable.expenseTotal).toBeLessThanOrEqual(
    totals.subtotal + totals.expenseTotal,
  );
}

/** A valid placement of random lines over two shipments (a shipment nobody uses is left out). */
function placement(
  lines: LineSpec[],
  shipments: ShipmentSpec[],
  priceMode: "gross" | "net",
  paymentMethod: string,
) {
  const spread = (l: LineSpec) => l.spread && l.isQuantitySplittable && l.quantity > 1;
  const used = new Set(lines.flatMap((l, i) => (spread(l) ? ["k0", "k1"] : [`k${i % 2}`])));
  return orderInput({
    priceMode,
    paymentMethod,
    shipments: shipments
      .map((s, i) => ({
        key: `k${i}`,
        address: { ...address, zipCode: `1011${i}` },
        method: {
          id: `m${i}`,
          name: `Method ${i}`,
          price: s.price,
          ...(s.taxRate === undefined ? {} : { taxRate: s.taxRate }),
          ...(s.taxRate === 0 ? { taxCategory: "Z" as const } : {}),
        },
      }))
      .filter((s) => used.has(s.key)),
    lines: lines.map((l, i) => ({
      sku: `P${i}`,
      name: `P${i}`,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.taxRate,
      ...(l.taxRate === 0
        ? {
            taxCategory: l.zeroCategory,
            ...(l.zeroCategory === "E" ? { taxExemptionReason: "Exempt (test)" } : {}),
          }
        : {}),
      isQuantitySplittable: l.isQuantitySplittable,
      ...(spread(l)
        ? {
            allocations: [
              { shipment: "k0", quantity: 1 },
              { shipment: "k1", quantity: l.quantity - 1 },
            ],
          }
        : { shipment: `k${i % 2}` }),
    })),
  });
}

describe("money over random orders and random back-office work", () => {
  it("invoice = order, tax per rate = tax total, canceled + refunded + refundable = grand total, nothing negative", async () => {
    const checkout = await clientAs("checkout", "shop");
    const bo = await clientAs("backoffice", "money-fuzz");
    const seen = {
      invoices: 0,
      creditNotes: 0,
      notBillable: 0,
      refunds: 0,
      cancellations: 0,
      removedShipments: 0,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 2, maxLength: 4 }),
        fc.array(shipmentArb, { minLength: 2, maxLength: 2 }),
        fc.constantFrom("gross" as const, "net" as const),
        fc.constantFrom("prepayment", "prepayment", "prepayment", "none"),
        planArb,
        async (lines, shipments, priceMode, paymentMethod, commands) => {
          const placed = await checkout.orders.place.mutate(
            placement(lines, shipments, priceMode, paymentMethod),
          );
          const reference = placed.reference;
          const placedMoney = placedTotals(placed.totals);
          expectMoneyAddsUp(placed, placedMoney);
          let view = placed;
          for (const c of commands) {
            const firstInvoice = view.invoice === null;
            view = await run(reference, view, c);
            expectMoneyAddsUp(view, placedMoney);
            if (c.kind === "invoice" && firstInvoice && view.invoice) {
              seen.invoices += 1;
              const [invoice] = await db
                .select()
                .from(schema.invoices)
                .where(
                  and(
                    eq(schema.invoices.orderReference, reference),
                    eq(schema.invoices.type, "invoice"),
                  ),
                );
              // The order did not change between rendering and now: they must agree.
              const billed = invoice?.totals as MoneyTotals | undefined;
              expect(billed).toEqual(view.totals.billable);
              if (billed) taxAddsUp(billed);
            }
          }
          if (view.totals.refundedTotal > 0) seen.refunds += 1;
          if (view.totals.canceledTotal > 0) seen.cancellations += 1;
          if (view.expenses.some((e) => e.movedTo)) seen.removedShipments += 1;
          // The money entries of the history add up to the order's totals.
          const history = await bo.orders.history.query({ reference });
          const recorded = (type: string) =>
            history.filter((h) => h.type === type).reduce((n, h) => n + Number(h.data?.amount), 0);
          expect(recorded("cancellation")).toBe(view.totals.canceledTotal);
          expect(recorded("refund")).toBe(view.totals.refundedTotal);
          if (history.some((h) => h.type === "invoice-not-issued")) seen.notBillable += 1;

          // The invoice and its credit notes: invoice - credit notes = what the order charges.
          await settled(reference);
          const documents = await db
            .select()
            .from(schema.invoices)
            .where(eq(schema.invoices.orderReference, reference));
          const total = (d: (typeof documents)[number]) => Number(d.totals.grandTotal);
          const invoice = documents.find((d) => d.type === "invoice");
          const credits = documents.filter((d) => d.type === "credit-note");
          const final = await bo.orders.get.query({ reference });
          if (!invoice) {
            expect(credits).toEqual([]);
            return;
          }
          expect(total(invoice)).toBeGreaterThan(0);
          seen.creditNotes += credits.length;
          expect(total(invoice) - credits.reduce((n, c) => n + total(c), 0)).toBe(
            final.totals.refundableTotal,
          );
          for (const c of credits) {
            expect(total(c)).toBeGreaterThan(0);
            expect(c.invoiceReference).toBe(invoice.reference);
            taxAddsUp(c.totals as unknown as MoneyTotals);
          }
          expect(final.invoice?.creditNotes.map((c) => c.reference).sort()).toEqual(
            credits.map((c) => c.reference).sort(),
          );
        },
      ),
      { numRuns: 40, ...seeded("money over random orders") },
    );
    // Orders of the run that reached each case, so a reader sees the property was not vacuous.
    console.log(`money over random orders: ${JSON.stringify(seen)}`);
    expect(
      seen.invoices * seen.creditNotes * seen.refunds * seen.cancellations * seen.removedShipments,
    ).toBeGreaterThan(0);

    /** Runs one command as the back office; a refusal must be a clean 4xx and change nothing. */
    async function run(reference: string, view: OrderView, c: Command): Promise<OrderView> {
      const item = "pick" in c ? view.items[c.pick % view.items.length]! : view.items[0]!;
      const quantity = "part" in c ? 1 + (c.part % item.quantity) : item.quantity;
      const other = view.shipments.find((s) => s.id !== item.shipmentId)?.id ?? "S1";
      try {
        switch (c.kind) {
          case "step": {
            const event = nextStep[item.state] ?? "confirm";
            const target = c.all ? { all: true as const } : { items: [{ id: item.id, quantity }] };
            return (await bo.orders.trigger.mutate({ reference, event, target })).order;
          }
          case "cancel":
            return (
              await bo.orders.trigger.mutate({
                reference,
                event: "cancel",
                target: { items: [{ id: item.id, quantity }] },
              })
            ).order;
          case "cancel-shipment":
            return (
              await bo.orders.trigger.mutate({
                reference,
                event: "cancel",
                target: { shipmentId: item.shipmentId },
              })
            ).order;
          case "cancel-order":
            return await bo.orders.cancel.mutate({ reference });
          case "move":
            return await bo.shipments.moveItems.mutate({
              reference,
              toShipmentId: other,
              items: [{ id: item.id, quantity }],
            });
          case "merge": {
            // Every item of the picked shipment into another one: the shipment is removed.
            const items = view.items.filter((i) => i.shipmentId === item.shipmentId);
            return await bo.shipments.moveItems.mutate({
              reference,
              toShipmentId: other,
              items: items.map((i) => ({ id: i.id })),
            });
          }
          case "create":
            return await bo.shipments.create.mutate({
              reference,
              address,
              method: { id: "new", name: "New", price: 990, taxRate: 19 },
              items: [{ id: item.id, quantity }],
            });
          case "update":
            return await bo.shipments.update.mutate({
              reference,
              shipmentId: item.shipmentId,
              method: { id: "edited", name: "Edited", price: c.price, taxRate: 7 },
            });
          case "close-window":
            return await bo.orders.closeCancellationWindow.mutate({ reference });
          case "invoice": {
            await bo.orders.trigger.mutate({
              reference,
              event: "invoice-generate",
              target: { all: true },
            });
            // Through the outbox and the real queue to the consumer, which reports back: an
            // invoice, or (nothing billable) the history says none was issued.
            await settled(reference);
            return await bo.orders.get.query({ reference });
          }
        }
      } catch (error) {
        if (!(error instanceof TRPCClientError)) throw error;
        expect(["BAD_REQUEST", "PRECONDITION_FAILED"]).toContain(error.data?.code);
        const after = await bo.orders.get.query({ reference });
        expect(after.version).toBe(view.version);
        return after;
      }
    }
  }, 300_000);
});
