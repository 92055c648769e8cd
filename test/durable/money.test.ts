import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import * as schema from "../../src/db/schema";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import type { OrderView } from "../../src/domain/order-view";
import { clientAs, orderInput, triggerAll } from "../helpers";
import { documentOf } from "../queue/consume";

const db = drizzle(env.DB, { schema });
const home = orderInput().billingAddress;
const office = { ...home, address1: "Office Park 7", zipCode: "20095", city: "Hamburg" };

const line = (
  sku: string,
  quantity: number,
  unitPrice: number,
  taxRate: number,
  shipment: string,
): PlaceOrderInput["lines"][number] => ({
  sku,
  name: sku,
  quantity,
  unitPrice,
  taxRate,
  isQuantitySplittable: true,
  shipment,
});

/** The operator's order of the issue: 3 lines, two shipments, 601.80 in all. */
async function placeThreeLines(paymentMethod: string) {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(
    orderInput({
      paymentMethod,
      shipments: [
        { key: "s1", address: home, method: { id: "dhl", name: "DHL Paket", price: 490 } },
        { key: "s2", address: office, method: { id: "ups", name: "UPS", price: 590 } },
      ],
      lines: [
        line("DESK", 2, 19900, 19, "s1"),
        line("BOOK", 1, 9900, 7, "s2"),
        line("LAMP", 1, 9400, 19, "s2"),
      ],
    }),
  );
}

/** Issues the order's invoice through the real path: event, outbox, queue, consumer. */
async function issueInvoice(reference: string) {
  const backoffice = await clientAs("backoffice");
  await backoffice.orders.trigger.mutate({
    reference,
    event: "invoice-generate",
    target: { all: true },
  });
  await vi.waitUntil(
    async () => (await backoffice.orders.get.query({ reference })).invoice !== null,
    { timeout: 20_000, interval: 200 },
  );
  const [invoice] = await db
    .select()
    .from(schema.invoices)
    .where(eq(schema.invoices.orderReference, reference));
  if (!invoice) throw new Error(`no invoice for ${reference}`);
  const document = await documentOf(invoice);
  if (!document) throw new Error(`no document for invoice ${invoice.reference}`);
  return { ...invoice, document };
}

/** The ERP events waiting in the order's outbox (issue 13 delivers them). */
const erpEvents = (reference: string) =>
  runInDurableObject(env.ORDERS.getByName(reference), (_object, state) =>
    state.storage.sql
      .exec<{ payload: string }>(`SELECT payload FROM outbox WHERE kind = 'erp' ORDER BY id`)
      .toArray()
      .map((r) => JSON.parse(r.payload) as { type?: string; data?: Record<string, unknown> })
      .filter((e) => e.type === "order.items.refunded"),
  );

const sumOf = (order: OrderView, key: "canceledAmount" | "refundedAmount" | "refundableAmount") =>
  order.items.reduce((n, i) => n + i[key], 0) + order.expenses.reduce((n, e) => n + e[key], 0);

describe("one source of money truth", () => {
  it("an emptied shipment's expense stays charged, on the order and on the invoice, which agree", async () => {
    const order = await placeThreeLines("none");
    expect(order.totals.grandTotal).toBe(60180);
    const backoffice = await clientAs("backoffice");
    const desk = order.items.find((i) => i.sku === "DESK")!;
    const moved = await backoffice.shipments.moveItems.mutate({
      reference: order.reference,
      toShipmentId: "S2",
      items: [{ id: desk.id }],
    });
    expect(moved.shipments.map((s) => s.id)).toEqual(["S2"]);
    expect(moved.totals).toEqual(order.totals);
    expect(moved.expenses.map((e) => [e.shipmentId, e.movedTo, e.amount, e.status])).toEqual([
      ["S2", null, 590, "open"],
      ["S1", "S2", 490, "open"],
    ]);

    const invoice = await issueInvoice(order.reference);
    expect(invoice.totals.grandTotal).toBe(60180);
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(invoice.totals).toEqual(after.totals.billable);
    expect(invoice.document).toContain("Shipping: DHL Paket to 10115 Berlin, DE");
    expect(invoice.document).toContain("€4.90");
    expect(invoice.document).toContain("€601.80");
  });

  it("the removed shipment's expense is canceled with the items it followed", async () => {
    const order = await placeThreeLines("none");
    const backoffice = await clientAs("backoffice");
    const desk = order.items.find((i) => i.sku === "DESK")!;
    await backoffice.shipments.moveItems.mutate({
      reference: order.reference,
      toShipmentId: "S2",
      items: [{ id: desk.id }],
    });
    const cancelled = await backoffice.orders.cancel.mutate({ reference: order.reference });
    expect(cancelled.totals).toMatchObject({
      canceledTotal: 60180,
      refundedTotal: 0,
      refundableTotal: 0,
    });
    expect(cancelled.expenses.map((e) => e.canceledAmount)).toEqual([590, 490]);
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.type === "cancellation")).toEqual([
      expect.objectContaining({
        event: "cancel",
        itemIds: cancelled.items.map((i) => i.id),
        data: {
          currency: "EUR",
          amount: 60180,
          items: 60180 - 590 - 490,
          shipping: [
            { shipmentId: "S1", amount: 490 },
            { shipmentId: "S2", amount: 590 },
          ],
          canceledTotal: 60180,
        },
      }),
    ]);
  });
});

describe("refunds with amounts", () => {
  async function deliveredOrder() {
    const order = await placeThreeLines("prepayment");
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await triggerAll(order.reference, ["pay", "confirm", "ship", "deliver"]);
    return { order, backoffice };
  }

  it("a refunded item's amount is on the order, in its history and in an ERP event", async () => {
    const { order, backoffice } = await deliveredOrder();
    const desk = order.items.find((i) => i.sku === "DESK")!;
    // One desk of two comes back.
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "return",
      target: { items: [{ id: desk.id, quantity: 1 }] },
    });
    const returned = await backoffice.orders.get.query({ reference: order.reference });
    const back = returned.items.find((i) => i.state === "returned")!;
    const refunded = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "refund",
      target: { items: [{ id: back.id }] },
    });
    const view = refunded.order;
    expect(view.items.find((i) => i.id === back.id)).toMatchObject({
      state: "refunded",
      flags: ["shipped", "refunded", "final"],
      refundedAmount: 19900,
      refundableAmount: 0,
      canceledAmount: 0,
    });
    expect(view.items.find((i) => i.id === desk.id)).toMatchObject({
      quantity: 1,
      refundedAmount: 0,
      refundableAmount: 19900,
    });
    // S1 still ships a desk: its shipping stays charged.
    expect(view.totals).toMatchObject({
      grandTotal: 60180,
      canceledTotal: 0,
      refundedTotal: 19900,
      refundableTotal: 60180 - 19900,
    });
    expect(view.totals.billable.grandTotal).toBe(view.totals.refundableTotal);

    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.type === "refund")).toEqual([
      expect.objectContaining({
        event: "refund",
        itemIds: [back.id],
        data: {
          currency: "EUR",
          amount: 19900,
          items: 19900,
          shipping: [],
          refundedTotal: 19900,
        },
      }),
    ]);
    const itemHistory = await backoffice.orders.history.query({
      reference: order.reference,
      itemId: back.id,
    });
    expect(itemHistory.map((h) => h.type)).toContain("refund");
    expect(await erpEvents(order.reference)).toEqual([
      expect.objectContaining({
        kind: "erp",
        type: "order.items.refunded",
        data: {
          currency: "EUR",
          refundedAmount: 19900,
          refundedTotal: 19900,
          itemIds: [back.id],
          lines: [{ lineId: desk.lineId, sku: "DESK", quantity: 1, refundedAmount: 19900 }],
          shipping: [],
        },
      }),
    ]);
  });

  it("the last item of a shipment refunds its shipping; all refunded leaves nothing refundable", async () => {
    const { order, backoffice } = await deliveredOrder();
    const s2 = order.items.filter((i) => i.shipmentId === "S2").map((i) => ({ id: i.id }));
    for (const event of ["return", "refund"] as const)
      await backoffice.orders.trigger.mutate({
        reference: order.reference,
        event,
        target: { shipmentId: "S2" },
      });
    const partly = await backoffice.orders.get.query({ reference: order.reference });
    expect(partly.expenses.find((e) => e.shipmentId === "S2")).toMatchObject({
      status: "refunded",
      refundedAmount: 590,
    });
    expect(partly.totals.refundedTotal).toBe(9900 + 9400 + 590);
    const refundEntries = async () =>
      (await backoffice.orders.history.query({ reference: order.reference })).filter(
        (h) => h.type === "refund",
      );
    expect((await refundEntries())[0]).toMatchObject({
      itemIds: s2.map((i) => i.id),
      data: { amount: 9900 + 9400 + 590, shipping: [{ shipmentId: "S2", amount: 590 }] },
    });

    await triggerAll(order.reference, ["return", "refund"]);
    const all = await backoffice.orders.get.query({ reference: order.reference });
    expect(all.totals).toMatchObject({
      refundedTotal: 60180,
      refundableTotal: 0,
      canceledTotal: 0,
    });
    expect(sumOf(all, "refundedAmount")).toBe(60180);
    // The refund entries of the history add up to the order's refunded total.
    const entries = await refundEntries();
    expect(entries.reduce((n, h) => n + Number(h.data?.amount), 0)).toBe(60180);
    const events = await erpEvents(order.reference);
    expect(events.map((e) => e.data?.refundedAmount)).toEqual([9900 + 9400 + 590, 2 * 19900 + 490]);
  });

  it("a cancellation and a refund on one order add up: canceled + refunded + refundable = grand total", async () => {
    const order = await placeThreeLines("prepayment");
    const backoffice = await clientAs("backoffice");
    const lamp = order.items.find((i) => i.sku === "LAMP")!;
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "cancel",
      target: { items: [{ id: lamp.id }] },
    });
    await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
    await triggerAll(order.reference, ["pay", "confirm", "ship", "deliver"]);
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "return",
      target: { shipmentId: "S2" },
    });
    const view = (
      await backoffice.orders.trigger.mutate({
        reference: order.reference,
        event: "refund",
        target: { shipmentId: "S2" },
      })
    ).order;
    // S2: the lamp canceled, the book refunded: its shipping goes back with the book.
    expect(view.totals).toMatchObject({
      canceledTotal: 9400,
      refundedTotal: 9900 + 590,
      refundableTotal: 2 * 19900 + 490,
    });
    for (const key of ["canceledAmount", "refundedAmount", "refundableAmount"] as const)
      expect(sumOf(view, key)).toBe(
        view.totals[
          key === "canceledAmount"
            ? "canceledTotal"
            : key === "refundedAmount"
              ? "refundedTotal"
              : "refundableTotal"
        ],
      );
    const invoice = await issueInvoice(order.reference);
    expect(invoice.totals.grandTotal).toBe(2 * 19900 + 490);
    expect(invoice.document).not.toContain("BOOK");
    expect(invoice.document).not.toContain("UPS");
  });
});
