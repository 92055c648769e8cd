import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import { call, clientAs, orderInput, tokenFor, triggerAll } from "../helpers";

const address = orderInput().billingAddress;
const office = { ...address, company: "ACME", address1: "Office Park 5" };
const dhl = { id: "dhl", name: "DHL Paket", carrier: "DHL", price: 490 };
const express = { id: "express", name: "Express", carrier: "UPS", price: 1500 };

function twoShipments(lines: PlaceOrderInput["lines"]): Partial<PlaceOrderInput> {
  return {
    shipments: [
      { key: "home", address, method: dhl, requestedDeliveryDate: "2026-12-24" },
      { key: "office", address: office, method: express },
    ],
    lines,
  };
}

async function place(overrides: Partial<PlaceOrderInput>) {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(orderInput(overrides));
}

/** Per line, item quantities add up to the ordered quantity; every item is in a known shipment. */
function expectInvariants(
  order: Awaited<ReturnType<typeof place>>,
  ordered: Record<string, number>,
) {
  const byLine: Record<string, number> = {};
  for (const item of order.items) byLine[item.sku] = (byLine[item.sku] ?? 0) + item.quantity;
  expect(byLine).toEqual(ordered);
  const shipmentIds = new Set(order.shipments.map((s) => s.id));
  for (const item of order.items) expect(shipmentIds.has(item.shipmentId)).toBe(true);
  expect(order.shipments.flatMap((s) => s.itemIds).sort()).toEqual(
    order.items.map((i) => i.id).sort(),
  );
}

describe("placement with several shipments", () => {
  it("spreads a splittable line over shipments with allocations, each shipment with its own expense", async () => {
    const order = await place(
      twoShipments([
        {
          sku: "PAPER",
          name: "Paper",
          quantity: 10,
          unitPrice: 500,
          taxRate: 19,
          isQuantitySplittable: true,
          allocations: [
            { shipment: "home", quantity: 4 },
            { shipment: "office", quantity: 6 },
          ],
        },
        {
          sku: "DESK",
          name: "Desk",
          quantity: 1,
          unitPrice: 30000,
          taxRate: 19,
          isQuantitySplittable: false,
          shipment: "office",
        },
      ]),
    );
    expect(order.shipments).toHaveLength(2);
    expect(order.shipments.map((s) => s.expense)).toEqual([490, 1500]);
    expect(order.shipments[0]?.requestedDeliveryDate).toBe("2026-12-24");
    expect(order.totals.expenseTotal).toBe(1990);
    expect(order.items.map((i) => [i.sku, i.quantity, i.shipmentId])).toEqual([
      ["PAPER", 4, "S1"],
      ["PAPER", 6, "S2"],
      ["DESK", 1, "S2"],
    ]);
    expectInvariants(order, { PAPER: 10, DESK: 1 });
  });
});

describe("shipment edits by the back office", () => {
  const lines: PlaceOrderInput["lines"] = [
    {
      sku: "PEN",
      name: "Pen",
      quantity: 5,
      unitPrice: 200,
      taxRate: 19,
      isQuantitySplittable: true,
      shipment: "home",
    },
    {
      sku: "LAMP",
      name: "Lamp",
      quantity: 2,
      unitPrice: 4000,
      taxRate: 19,
      isQuantitySplittable: false,
      shipment: "home",
    },
    {
      sku: "CHAIR",
      name: "Chair",
      quantity: 1,
      unitPrice: 9000,
      taxRate: 19,
      isQuantitySplittable: false,
      shipment: "office",
    },
  ];

  it("creates a shipment from part of a splittable item; totals stay; history records it", async () => {
    const order = await place(twoShipments(lines));
    const backoffice = await clientAs("backoffice", "olga");
    const pen = order.items.find((i) => i.sku === "PEN")!;
    const after = await backoffice.shipments.create.mutate({
      reference: order.reference,
      address: office,
      method: { id: "pickup", name: "Pick-up", price: 0 },
      requestedDeliveryDate: "2027-01-05",
      items: [{ id: pen.id, quantity: 2 }],
    });
    expect(after.shipments).toHaveLength(3);
    const created = after.shipments[2]!;
    expect(created).toMatchObject({ expense: 0, requestedDeliveryDate: "2027-01-05" });
    const pens = after.items.filter((i) => i.sku === "PEN");
    expect(pens.map((i) => [i.quantity, i.shipmentId])).toEqual([
      [3, "S1"],
      [2, created.id],
    ]);
    expect(after.totals).toEqual(order.totals);
    expectInvariants(after, { PEN: 5, LAMP: 2, CHAIR: 1 });
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.at(-1)).toMatchObject({
      type: "shipment",
      event: "shipment-created",
      actor: "backoffice:olga",
    });
  });

  it("moves items between shipments and deletes a shipment left empty", async () => {
    const order = await place(twoShipments(lines));
    const backoffice = await clientAs("backoffice");
    const chair = order.items.find((i) => i.sku === "CHAIR")!;
    const after = await backoffice.shipments.moveItems.mutate({
      reference: order.reference,
      toShipmentId: "S1",
      items: [{ id: chair.id }],
    });
    expect(after.shipments.map((s) => s.id)).toEqual(["S1"]);
    expect(after.totals).toEqual(order.totals);
    expectInvariants(after, { PEN: 5, LAMP: 2, CHAIR: 1 });
  });

  it("a partial move of a non-splittable item is BAD_REQUEST and changes nothing", async () => {
    const order = await place(twoShipments(lines));
    const lamp = order.items.find((i) => i.sku === "LAMP")!;
    const res = await call(
      "shipments.moveItems",
      { reference: order.reference, toShipmentId: "S2", items: [{ id: lamp.id, quantity: 1 }] },
      { token: await tokenFor("backoffice", "ops") },
    );
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/items\.0\.quantity.*not splittable/);
  });

  it("updates address, method and date while nothing in the shipment has shipped", async () => {
    const order = await place(twoShipments(lines));
    const backoffice = await clientAs("backoffice");
    const after = await backoffice.shipments.update.mutate({
      reference: order.reference,
      shipmentId: "S2",
      address: { ...office, city: "Hamburg", zipCode: "20095" },
      requestedDeliveryDate: "2027-02-01",
    });
    expect(after.shipments[1]).toMatchObject({
      address: { city: "Hamburg" },
      requestedDeliveryDate: "2027-02-01",
      expense: 1500,
    });
    expect(after.totals).toEqual(order.totals);
  });

  it("a shipment with a shipped item is locked: no edit, no moving its items (412 naming item and state)", async () => {
    const order = await place(twoShipments(lines));
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await triggerAll(order.reference, ["pay", "confirm"]);
    const shipped = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "ship",
      target: { shipmentId: "S2" },
    });
    expect(shipped.moved.map((m) => m.itemId)).toEqual(
      order.items.filter((i) => i.shipmentId === "S2").map((i) => i.id),
    );
    const chair = order.items.find((i) => i.sku === "CHAIR")!;
    const token = await tokenFor("backoffice", "ops");
    const update = await call(
      "shipments.update",
      { reference: order.reference, shipmentId: "S2", requestedDeliveryDate: "2027-03-01" },
      { token },
    );
    expect(update.status).toBe(412);
    expect(update.body.error?.message).toContain(`item ${chair.id} is shipped`);
    const move = await call(
      "shipments.moveItems",
      { reference: order.reference, toShipmentId: "S1", items: [{ id: chair.id }] },
      { token },
    );
    expect(move.status).toBe(412);
    const into = await call(
      "shipments.moveItems",
      { reference: order.reference, toShipmentId: "S2", items: [{ id: order.items[0]!.id }] },
      { token },
    );
    expect(into.status).toBe(412);
  });
});

describe("events by shipment", () => {
  it("moves every item of the shipment whose state accepts the event, and nothing else", async () => {
    const order = await place(
      twoShipments([
        {
          sku: "A",
          name: "A",
          quantity: 1,
          unitPrice: 100,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "B",
          name: "B",
          quantity: 1,
          unitPrice: 100,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "office",
        },
        {
          sku: "C",
          name: "C",
          quantity: 1,
          unitPrice: 100,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "office",
        },
      ]),
    );
    const backoffice = await clientAs("backoffice");
    const result = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { shipmentId: "S2" },
    });
    expect(result.order.items.map((i) => [i.sku, i.state])).toEqual([
      ["A", "payment-pending"],
      ["B", "paid"],
      ["C", "paid"],
    ]);
    const events = await backoffice.orders.events.query({ reference: order.reference });
    expect(events.map((e) => e.shipmentId)).toEqual(["S1", "S2", "S2"]);
  });
});

describe("large orders", () => {
  it("an order of 10,000 lines places, projects to D1 and takes a bulk event on all items", async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      sku: `SKU-${i}`,
      name: `Bulk item ${i}`,
      quantity: 1 + (i % 7),
      unitPrice: 100 + (i % 50),
      taxRate: i % 3 === 0 ? 7 : 19,
      isQuantitySplittable: true,
      shipment: "home",
    }));
    const order = await place({ lines });
    expect(order.items).toHaveLength(10_000);
    const quantity = lines.reduce((n, l) => n + l.quantity, 0);
    expect(order.itemStates).toEqual({ "payment-pending": quantity });
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
          .bind(order.reference)
          .first<{ version: number }>();
        expect(row?.version).toBe(order.version);
      },
      { timeout: 10_000 },
    );
    const backoffice = await clientAs("backoffice");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    expect(paid.moved).toHaveLength(10_000);
    expect(paid.order.itemStates).toEqual({ paid: quantity });
  });

  it("a non-splittable line of 1,000,000 units is one item and ships as one", async () => {
    const order = await place({
      lines: [
        {
          sku: "SCREW",
          name: "Screw",
          quantity: 1_000_000,
          unitPrice: 2,
          taxRate: 19,
          isQuantitySplittable: false,
          shipment: "home",
        },
      ],
    });
    expect(order.items).toHaveLength(1);
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await triggerAll(order.reference, ["pay", "confirm", "ship"]);
    const shipped = await backoffice.orders.get.query({ reference: order.reference });
    expect(shipped.items).toHaveLength(1);
    expect(shipped.itemStates).toEqual({ shipped: 1_000_000 });
  });
});
