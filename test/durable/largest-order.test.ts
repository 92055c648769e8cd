import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import { limits } from "../../src/domain/limits";
import { codePoints } from "../../src/domain/text";
import { erpReceiver } from "../erp-receiver-client";
import { call, clientAs, tokenFor } from "../helpers";

// U+1D504: four bytes in UTF-8, two UTF-16 units; the costliest character to carry.
const WIDE = "\u{1D504}";
/** A string of exactly `length` code points: a readable prefix, filled with wide characters. */
const fill = (prefix: string, length: number) => prefix + WIDE.repeat(length - codePoints(prefix));

const address = (i: number) => ({
  firstName: fill(`F${i}`, 100),
  lastName: fill(`L${i}`, 100),
  company: fill(`C${i}`, 255),
  address1: fill(`A${i}`, 255),
  address2: fill(`B${i}`, 255),
  zipCode: fill(`Z${i}`, 20),
  city: fill(`T${i}`, 100),
  country: "DE",
  phone: fill(`P${i}`, 50),
  email: `${"a".repeat(64)}@${"b".repeat(180)}.example`,
});

/**
 * The largest order validation lets through: every limit at its maximum at once (lines,
 * shipments, items, item text, string lengths), in the widest characters.
 */
function largestOrder(): PlaceOrderInput {
  const shipments = Array.from({ length: limits.maxShipments }, (_, i) => ({
    key: `s${i}`,
    address: address(i),
    method: {
      id: fill(`m${i}`, 100),
      name: fill(`M${i}`, 255),
      carrier: fill("c", 100),
      price: 490,
    },
    requestedDeliveryDate: "2030-01-31",
  }));
  const perItem = limits.maxItemText / limits.maxItems;
  const lines = Array.from({ length: limits.maxLines }, (_, i) => ({
    sku: fill(`S${i}-`, perItem / 2),
    name: fill(`N${i}-`, perItem / 2),
    quantity: 2,
    unitPrice: 1_000,
    taxRate: 19,
    isQuantitySplittable: true,
    shipment: `s${i % limits.maxShipments}`,
  }));
  return {
    idempotencyKey: fill(`largest-${Date.now()}`, limits.maxIdempotencyKeyLength),
    customer: {
      reference: "largest",
      email: "largest@example.com",
      firstName: fill("F", 100),
      lastName: fill("L", 100),
    },
    currency: "EUR",
    priceMode: "gross",
    paymentMethod: "prepayment",
    billingAddress: address(0),
    customOrderReference: fill("PO-", 255),
    shipments,
    lines,
  };
}

describe("the largest valid order", () => {
  it("places, reads, takes bulk events, projects, invoices and mails; every limit holds after it", async () => {
    const input = largestOrder();
    const body = new TextEncoder().encode(JSON.stringify(input)).length;
    const checkout = await clientAs("checkout", "shop");
    const placed = await checkout.orders.place.mutate(input);
    expect(placed.items).toHaveLength(limits.maxItems);
    expect(placed.shipments).toHaveLength(limits.maxShipments);

    const backoffice = await clientAs("backoffice", "largest");
    const read = await backoffice.orders.get.query({ reference: placed.reference });
    const viewBytes = new TextEncoder().encode(JSON.stringify(read)).length;
    // Far below the platform's 32 MiB per RPC value, in the widest characters.
    expect(viewBytes).toBeLessThan(16 * 1024 * 1024);
    console.log(`largest order: placement body ${body} bytes, view ${viewBytes} bytes`);

    const paid = await backoffice.orders.trigger.mutate({
      reference: placed.reference,
      event: "pay",
      target: { all: true },
    });
    expect(paid.moved).toHaveLength(limits.maxItems);
    expect(paid.order.itemStates).toEqual({ paid: 2 * limits.maxItems });

    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
          .bind(placed.reference)
          .first<{ version: number }>();
        expect(row?.version).toBe(paid.order.version);
      },
      { timeout: 20_000 },
    );

    // The confirmation mail lists the first items and counts the rest: a small D1 row.
    await vi.waitFor(async () => {
      const { mails } = await backoffice.mails.list.query({ to: "largest@example.com" });
      const mail = mails.find((m) => m.subject.includes(placed.reference));
      expect(mail?.html).toContain(`and ${limits.maxItems - 100} more items`);
      expect(mail?.html.length).toBeLessThan(256 * 1024);
    });

    // Invoiced through the real queue: the document goes to R2, D1 keeps a small row, the mail
    // carries the document as an attachment.
    await backoffice.orders.trigger.mutate({
      reference: placed.reference,
      event: "confirm",
      target: { all: true },
    });
    const invoicing = await backoffice.orders.trigger.mutate({
      reference: placed.reference,
      event: "invoice-generate",
      target: { all: true },
    });
    const invoice = await vi.waitFor(
      async () => {
        const view = await backoffice.orders.get.query({ reference: placed.reference });
        expect(view.invoice).not.toBeNull();
        return view.invoice!;
      },
      { timeout: 30_000, interval: 100 },
    );
    const row = await env.DB.prepare(
      "SELECT documents, length(totals) AS totals_bytes FROM invoices WHERE reference = ?",
    )
      .bind(invoice.reference)
      .first<{ documents: string; totals_bytes: number }>();
    expect(row?.totals_bytes).toBeLessThan(4096);
    const documents = JSON.parse(row?.documents ?? "[]") as { key: string; size: number }[];
    expect(documents).toHaveLength(2);
    for (const { key, size } of documents) {
      // HTML and UBL, each past D1's row limit, in R2.
      expect(size).toBeGreaterThan(2 * 1024 * 1024);
      expect((await env.INVOICE_DOCUMENTS.head(key))?.size).toBe(size);
    }
    const { mails } = await backoffice.mails.list.query({ to: "largest@example.com" });
    const invoiceMail = mails.find((m) => m.subject === `Invoice: ${invoice.reference}`);
    expect(invoiceMail?.html.length).toBeLessThan(64 * 1024);

    // At the limits, the order cannot grow: no split, no new shipment.
    const token = await tokenFor("backoffice", "largest");
    const first = invoicing.order.items[0]!;
    const split = await call(
      "orders.trigger",
      {
        reference: placed.reference,
        event: "cancel",
        target: { items: [{ id: first.id, quantity: 1 }] },
      },
      { token },
    );
    expect(split.status).toBe(400);
    expect(split.body.error?.message).toContain(`at most ${limits.maxItems}`);
    const moved = await call(
      "shipments.moveItems",
      {
        reference: placed.reference,
        toShipmentId: invoicing.order.shipments[1]!.id,
        items: [{ id: first.id, quantity: 1 }],
      },
      { token },
    );
    expect(moved.status).toBe(400);
    const created = await call(
      "shipments.create",
      {
        reference: placed.reference,
        address: address(0),
        method: { id: "x", name: "x", price: 0 },
        items: [{ id: first.id }],
      },
      { token },
    );
    expect(created.status).toBe(412);
    expect(created.body.error?.message).toContain(`at most ${limits.maxShipments}`);
    const after = await backoffice.orders.get.query({ reference: placed.reference });
    expect(after.itemStates).toEqual({ confirmed: 2 * limits.maxItems });
    expect(after.items).toHaveLength(limits.maxItems);
    expect(after.shipments).toHaveLength(limits.maxShipments);
  }, 120_000);

  it("is exported to the ERP in one verified delivery; no stored value comes near 2 MB", async () => {
    const checkout = await clientAs("checkout", "shop");
    const placed = await checkout.orders.place.mutate(largestOrder());
    const backoffice = await clientAs("backoffice", "largest");
    for (const event of ["pay", "confirm"] as const)
      await backoffice.orders.trigger.mutate({
        reference: placed.reference,
        event,
        target: { all: true },
      });
    const exported = await backoffice.orders.closeCancellationWindow.mutate({
      reference: placed.reference,
    });
    expect(exported.itemStates).toEqual({ exported: 2 * limits.maxItems });

    const log = await vi.waitFor(
      async () => {
        const log = await erpReceiver.log(placed.reference);
        expect(log.received).toHaveLength(1);
        return log;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(log.attempts.map((a) => [a.type, a.status, a.verified])).toEqual([
      ["order.exported", 200, true],
    ]);
    const { body } = log.received[0]!;
    const order = body.data.order as { items: unknown[]; version: number };
    expect(order.items).toHaveLength(limits.maxItems);
    expect(body.data.itemIds).toHaveLength(limits.maxItems);
    expect(order.version).toBe(exported.version);
    const bytes = new TextEncoder().encode(JSON.stringify(body)).length;
    expect(bytes).toBeGreaterThan(10 * 1024 * 1024);
    console.log(`largest order: order.exported body ${bytes} bytes`);

    // The view is rendered when it is sent; what the object stores stays small.
    const stub = env.ORDERS.getByName(placed.reference);
    const largest = await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      // The idempotency table exists once a command carried a key (none did here).
      const keyed =
        sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'idempotency'`).toArray().length > 0;
      return sql
        .exec<{ bytes: number }>(
          `SELECT MAX(bytes) AS bytes FROM (
             SELECT length(CAST(payload AS BLOB)) AS bytes FROM outbox
             UNION ALL SELECT length(CAST(data AS BLOB)) FROM history
             ${keyed ? "UNION ALL SELECT length(CAST(response AS BLOB)) FROM idempotency" : ""})`,
        )
        .one();
    });
    expect(largest.bytes).toBeLessThan(512 * 1024);
  });

  it("one item more, or one character more, is refused at placement naming lines", async () => {
    const token = await tokenFor("checkout", "shop");
    const input = largestOrder();
    const tooMany = {
      ...input,
      lines: input.lines.map((l, i) =>
        i === 0
          ? {
              ...l,
              shipment: undefined,
              allocations: [
                { shipment: "s0", quantity: 1 },
                { shipment: "s1", quantity: 1 },
              ],
            }
          : l,
      ),
    };
    const items = await call("orders.place", tooMany, { token });
    expect(items.status).toBe(400);
    expect(items.body.error?.data.issues?.[0]?.path).toEqual(["lines"]);
    expect(items.body.error?.message).toContain(`at most ${limits.maxItems}`);

    const tooLong = {
      ...input,
      lines: input.lines.map((l, i) => (i === 0 ? { ...l, name: `${l.name}x` } : l)),
    };
    const text = await call("orders.place", tooLong, { token });
    expect(text.status).toBe(400);
    expect(text.body.error?.message).toContain(`at most ${limits.maxItemText}`);
  });
});
