import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/domain/principal";
import { describeProcess } from "../../src/machines/describe";
import { paymentManualEvents } from "../../src/machines/payment-process";
import { getProcess } from "../../src/machines/registry";
import { clientAs, entriesOf, orderInput, settled } from "../helpers";
import { seeded } from "../seed";

const backoffice: Actor = { type: "user", role: "backoffice", sub: "fuzz" };
const address = orderInput().billingAddress;
const method = { id: "m", name: "M", price: 100 };

const lineArb = fc.record({
  quantity: fc.integer({ min: 1, max: 6 }),
  isQuantitySplittable: fc.boolean(),
  twoShipments: fc.boolean(),
});

/** A command by index into the order as it is when the command runs. */
const commandArb = fc.oneof(
  fc.record({
    kind: fc.constant("event" as const),
    event: fc.constantFrom(...paymentManualEvents),
    target: fc.constantFrom("all", "shipment", "items" as const),
    pick: fc.nat(),
    part: fc.nat(),
  }),
  fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), part: fc.nat() }),
  fc.record({ kind: fc.constant("create" as const), pick: fc.nat(), part: fc.nat() }),
  fc.record({ kind: fc.constant("close-window" as const) }),
  fc.record({ kind: fc.constant("cancel" as const) }),
);

describe("random event sequences on random orders", () => {
  it("keep the invariants: quantities per line, one shipment per item, known states, gap-free history", async () => {
    const checkout = await clientAs("checkout", "shop");
    const bo = await clientAs("backoffice", "fuzz");
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom("prepayment", "none"),
        fc.array(commandArb, { minLength: 1, maxLength: 12 }),
        async (lines, paymentMethod, commands) => {
          const placedLines = lines.map((l, i) => ({
            sku: `P${i}`,
            name: `P${i}`,
            quantity: l.quantity,
            unitPrice: 100,
            taxRate: 19,
            isQuantitySplittable: l.isQuantitySplittable,
            ...(l.twoShipments && l.isQuantitySplittable && l.quantity > 1
              ? {
                  allocations: [
                    { shipment: "a", quantity: 1 },
                    { shipment: "b", quantity: l.quantity - 1 },
                  ],
                }
              : { shipment: i === 0 ? "a" : "b" }),
          }));
          const used = new Set(
            placedLines.flatMap((l) => ("allocations" in l ? ["a", "b"] : [l.shipment])),
          );
          const order = await checkout.orders.place.mutate(
            orderInput({
              paymentMethod,
              shipments: ["a", "b"]
                .filter((k) => used.has(k))
                .map((key) => ({ key, address, method })),
              lines: placedLines,
            }),
          );
          const stub = env.ORDERS.getByName(order.reference);
          let view = order;
          for (const c of commands) {
            const item = view.items[("pick" in c ? c.pick : 0) % view.items.length]!;
            const quantity = "part" in c ? 1 + (c.part % item.quantity) : item.quantity;
            const result =
              c.kind === "event"
                ? await stub.trigger(
                    {
                      event: c.event,
                      dryRun: false,
                      target:
                        c.target === "all"
                          ? { all: true }
                          : c.target === "shipment"
                            ? { shipmentId: item.shipmentId }
                            : { items: [{ id: item.id, quantity }] },
                    },
                    backoffice,
                  )
                : c.kind === "move"
                  ? await stub.moveItems(
                      {
                        toShipmentId:
                          view.shipments.find((s) => s.id !== item.shipmentId)?.id ?? "S1",
                        items: [{ id: item.id, quantity }],
                      },
                      backoffice,
                    )
                  : c.kind === "create"
                    ? await stub.createShipment(
                        { address, method, items: [{ id: item.id, quantity }] },
                        backoffice,
                      )
                    : c.kind === "close-window"
                      ? await stub.closeCancellationWindow({}, backoffice)
                      : await stub.cancel({}, backoffice);
            // Refusals are fine (and change nothing); anything else must be an answer, not a throw.
            if (result.ok) view = result.order;
            else expect(["BAD_REQUEST", "PRECONDITION_FAILED"]).toContain(result.code);
          }
          // The invoice consumer may still append to the history: read once it is done.
          await settled(order.reference);
          view = await bo.orders.get.query({ reference: order.reference });
          const perLine: Record<string, number> = {};
          for (const i of view.items) perLine[i.sku] = (perLine[i.sku] ?? 0) + i.quantity;
          expect(perLine).toEqual(Object.fromEntries(lines.map((l, i) => [`P${i}`, l.quantity])));
          const shipmentIds = view.shipments.map((s) => s.id);
          for (const i of view.items) expect(shipmentIds).toContain(i.shipmentId);
          expect(view.shipments.flatMap((s) => s.itemIds).sort()).toEqual(
            view.items.map((i) => i.id).sort(),
          );
          for (const s of view.shipments) expect(s.itemIds.length).toBeGreaterThan(0);
          const states = describeProcess(getProcess(view.process)!).states.map((s) => s.name);
          for (const i of view.items) expect(states).toContain(i.state);
          expect(view.totals.grandTotal).toBe(order.totals.grandTotal);
          const history = entriesOf(await bo.orders.history.query({ reference: order.reference }));
          expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
          expect(history.at(-1)?.seq).toBe(view.version);
        },
      ),
      // Each run waits for its invoice (through the real queue) before it compares: 60 runs
      // take about 15 s alone, so the test gets more time than the default.
      { numRuns: 60, ...seeded("random event sequences on random orders") },
    );
  }, 180_000);
});
