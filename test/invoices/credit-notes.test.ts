import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { TRPCClientError } from "@trpc/client";
import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import * as schema from "../../src/db/schema";
import type { HistoryView } from "../../src/domain/history";
import type { OrderView } from "../../src/domain/order-view";
import { captureTransport, type MailTransport } from "../../src/mail/transport";
import { clientAs, entriesOf, orderInput, settled } from "../helpers";
import { address } from "../order-input";
import { allocatedNumber, consume, db, invoicesOf, job } from "../queue/consume";

// Credit notes, and the invoice's edges: what it bills is what was charged at the version it was
// issued at; money that leaves it later is credited, each move by one credit note through the
// same queue and the same gap-free rule; nothing billable means no invoice at all.

const bo = () => clientAs("backoffice", "credit-tests");

/** A confirmed order (no-payment@1: confirmed at once) with two shipments. */
async function placeConfirmed(over: Parameters<typeof orderInput>[0] = {}) {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(
    orderInput({
      paymentMethod: "none",
      priceMode: "net",
      shipments: [
        { key: "home", address, method: { id: "a", name: "A", price: 490 } },
        { key: "office", address, method: { id: "b", name: "B", price: 690, taxRate: 7 } },
      ],
      lines: [
        {
          sku: "A",
          name: "A",
          quantity: 3,
          unitPrice: 333,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "B",
          name: "B",
          quantity: 2,
          unitPrice: 1999,
          taxRate: 7,
          isQuantitySplittable: true,
          shipment: "office",
        },
      ],
      ...over,
    }),
  );
}

/** Requests the invoice the way the back office does and waits until the order records it. */
async function invoiced(reference: string): Promise<OrderView> {
  const backoffice = await bo();
  await backoffice.orders.trigger.mutate({
    reference,
    event: "invoice-generate",
    target: { all: true },
  });
  await vi.waitUntil(async () => (await backoffice.orders.get.query({ reference })).invoice, {
    timeout: 20_000,
    interval: 100,
  });
  return backoffice.orders.get.query({ reference });
}

const creditNotesOf = (orderReference: string) =>
  db
    .select()
    .from(schema.invoices)
    .where(
      and(
        eq(schema.invoices.orderReference, orderReference),
        eq(schema.invoices.type, "credit-note"),
      ),
    );

/**
 * Marks an invoice as requested with no job on its way (as a lost job leaves an order), so the
 * test runs the job itself, when it wants; the object is evicted to read its storage again.
 */
async function requestedWithoutJob(reference: string) {
  const stub = env.ORDERS.getByName(reference);
  await runInDurableObject(stub, (_o, state) => {
    state.storage.sql.exec(
      "UPDATE order_header SET data = json_set(data, '$.invoiceRequestedAt', ?)",
      Date.now(),
    );
  });
  await evictDurableObject(stub);
}

const money = (h: HistoryView) => h.type === "cancellation" || h.type === "refund";

describe("credit notes", () => {
  it("money that leaves an issued invoice gets a credit note: its own series, naming the invoice, exactly the money moved", async () => {
    const order = await placeConfirmed();
    const reference = order.reference;
    const withInvoice = await invoiced(reference);
    const invoice = withInvoice.invoice!;
    const backoffice = await bo();
    const a = withInvoice.items.find((i) => i.sku === "A")!;
    await backoffice.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: a.id, quantity: 1 }] },
    });
    await settled(reference);
    const after = await backoffice.orders.get.query({ reference });
    const [credit, ...more] = await creditNotesOf(reference);
    expect(more).toEqual([]);
    expect(credit).toMatchObject({
      type: "credit-note",
      reference: expect.stringMatching(/^CreditNote-\d+$/),
      invoiceReference: invoice.reference,
    });
    expect(after.invoice?.creditNotes).toEqual([
      {
        reference: credit?.reference,
        issuedAt: credit?.issuedAt,
        grandTotal: withInvoice.totals.billable.grandTotal - after.totals.billable.grandTotal,
      },
    ]);
    // Its totals are billable before the move minus billable after, class by class.
    const before = withInvoice.totals.billable;
    const now = after.totals.billable;
    expect(credit?.totals).toMatchObject({
      grandTotal: before.grandTotal - now.grandTotal,
      taxTotal: before.taxTotal - now.taxTotal,
      taxByRate: [
        {
          category: "S",
          rate: 19,
          net: 333,
          tax: before.taxByRate[0]!.tax - now.taxByRate[0]!.tax,
        },
      ],
    });
    const history = entriesOf(await backoffice.orders.history.query({ reference }));
    const moved = history.filter(money).at(-1)!;
    expect(history.find((h) => h.type === "credit-note-issued")?.data).toMatchObject({
      reference: credit?.reference,
      invoiceReference: invoice.reference,
      key: moved.seq,
      grandTotal: moved.data?.amount,
    });
    const ubl = await backoffice.invoices.document.query({
      reference: credit?.reference ?? "",
      format: "ubl",
    });
    expect(ubl.content).toContain(`<cbc:ID>${invoice.reference}</cbc:ID>`);
    // The mail: both files, the credit note's subject.
    const mails = await db
      .select()
      .from(schema.mails)
      .where(eq(schema.mails.idempotencyKey, credit?.reference ?? ""));
    expect(mails.map((m) => [m.subject, m.attachments.map((x) => x.filename)])).toEqual([
      [
        `Credit note: ${credit?.reference}`,
        [`${credit?.reference}.html`, `${credit?.reference}.xml`],
      ],
    ]);
    // A retried job reuses its number: one credit note, one mail.
    const again = await consume([{ body: { orderReference: reference, creditNote: moved.seq } }]);
    expect(again.acked).toEqual([true]);
    expect(await creditNotesOf(reference)).toHaveLength(1);
    expect(await allocatedNumber(`${reference}#${moved.seq}`, "credit-note")).toEqual({
      number: credit?.number,
    });
  });

  it("money moved while the invoice was being issued: the invoice bills its version, the move gets a credit note", async () => {
    const order = await placeConfirmed();
    const reference = order.reference;
    await requestedWithoutJob(reference);
    const backoffice = await bo();
    const a = order.items.find((i) => i.sku === "A")!;
    const capture = captureTransport(db);
    let cancelled = false;
    // The order changes after the invoice was rendered and numbered, before it is recorded.
    const cancelWhileMailing: MailTransport = {
      async send(mail) {
        if (!cancelled) {
          cancelled = true;
          await backoffice.orders.trigger.mutate({
            reference,
            event: "cancel",
            target: { items: [{ id: a.id, quantity: 2 }] },
          });
        }
        await capture.send(mail);
      },
    };
    const verdict = await consume([job(reference)], { deps: { transport: cancelWhileMailing } });
    expect(verdict.acked).toEqual([true]);
    await settled(reference);
    const [invoice] = await invoicesOf(reference);
    // The invoice bills what was charged when it was issued: all three units of A.
    expect(invoice?.orderVersion).toBe(order.version);
    expect(invoice?.totals).toMatchObject({ grandTotal: order.totals.billable.grandTotal });
    const [credit, ...more] = await creditNotesOf(reference);
    expect(more).toEqual([]);
    expect(credit?.orderVersion).toBeGreaterThan(order.version);
    const after = await backoffice.orders.get.query({ reference });
    expect(Number(invoice?.totals.grandTotal) - Number(credit?.totals.grandTotal)).toBe(
      after.totals.refundableTotal,
    );
  });

  it("money moved before the invoice needs no credit note: the invoice bills only what is still charged", async () => {
    const order = await placeConfirmed();
    const reference = order.reference;
    const backoffice = await bo();
    await backoffice.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { shipmentId: "S2" },
    });
    const view = await invoiced(reference);
    await settled(reference);
    expect(await creditNotesOf(reference)).toEqual([]);
    const [invoice] = await invoicesOf(reference);
    expect(invoice?.totals.grandTotal).toBe(view.totals.refundableTotal);
    expect(view.invoice?.creditNotes).toEqual([]);
  });

  it("nothing billable: no invoice, no number, the history says why, and a later request may ask again", async () => {
    const order = await placeConfirmed();
    const reference = order.reference;
    await requestedWithoutJob(reference);
    const backoffice = await bo();
    await backoffice.orders.cancel.mutate({ reference });
    const verdict = await consume([job(reference)]);
    expect(verdict.acked).toEqual([true]);
    expect(await invoicesOf(reference)).toEqual([]);
    expect(await allocatedNumber(reference)).toBeNull();
    const history = await backoffice.orders.history.query({ reference });
    expect(history.at(-1)).toMatchObject({
      type: "invoice-not-issued",
      data: { reason: expect.stringContaining("nothing is billable") },
    });
    expect((await backoffice.orders.get.query({ reference })).invoice).toBeNull();
    // A repeat of the job changes nothing more.
    await consume([job(reference, 2)]);
    const again = await backoffice.orders.history.query({ reference });
    expect(again.filter((h) => h.type === "invoice-not-issued")).toHaveLength(1);
  });

  it("an edit that would charge again money that left the invoice is refused, and changes nothing", async () => {
    const order = await placeConfirmed({
      lines: [
        {
          sku: "A",
          name: "A",
          quantity: 3,
          unitPrice: 333,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "B",
          name: "B",
          quantity: 2,
          unitPrice: 1999,
          taxRate: 7,
          isQuantitySplittable: true,
          shipment: "office",
        },
        {
          sku: "C",
          name: "C",
          quantity: 1,
          unitPrice: 500,
          taxRate: 7,
          isQuantitySplittable: true,
          shipment: "office",
        },
      ],
    });
    const reference = order.reference;
    const backoffice = await bo();
    const view = await invoiced(reference);
    // Everything of the office shipment cancelled: its shipping with it (a credit note).
    await backoffice.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { shipmentId: "S2" },
    });
    await settled(reference);
    const before = await backoffice.orders.get.query({ reference });
    expect(before.expenses.find((e) => e.shipmentId === "S2")?.status).toBe("canceled");
    // Moving an open item into it would charge its shipping again.
    const a = view.items.find((i) => i.sku === "A")!;
    const refused = await backoffice.shipments.moveItems
      .mutate({ reference, toShipmentId: "S2", items: [{ id: a.id }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as { data?: { code?: string } }).data?.code).toBe("PRECONDITION_FAILED");
    expect((refused as Error).message).toMatch(/invoice is issued .*charge again/);
    expect((await backoffice.orders.get.query({ reference })).version).toBe(before.version);
  });
});

describe("repeated invoice requests are coalesced (issue 26, item 6)", () => {
  it("an import of 500 invoice-generate rows on one order queues one job: one invoice, one mail, the rest skipped with the reason", async () => {
    const order = await placeConfirmed();
    const reference = order.reference;
    const backoffice = await bo();
    const report = await backoffice.orders.importEvents.mutate({
      importId: `invoice-flood-${reference}`,
      rows: Array.from({ length: 500 }, () => ({
        order: { reference },
        event: "invoice-generate" as const,
      })),
    });
    expect(report.rows.every((r) => r.status === "applied")).toBe(true);
    await settled(reference);
    const history = await backoffice.orders.history.query({ reference });
    const requests = history.filter((h) => h.event === "generateInvoice");
    expect(requests).toHaveLength(500);
    // Each request not skipped is one job on the queue.
    const queued = requests.filter((h) => !h.data?.skipped);
    expect(queued.length).toBeLessThanOrEqual(2);
    const skipped = requests.filter((h) => h.data?.skipped);
    expect(skipped.length).toBeGreaterThanOrEqual(498);
    expect(String(skipped[0]?.data?.skipped)).toMatch(
      /an invoice was requested at .* and is being issued|already issued/,
    );
    const invoices = await invoicesOf(reference);
    expect(invoices).toHaveLength(1);
    const mails = await db
      .select()
      .from(schema.mails)
      .where(eq(schema.mails.idempotencyKey, invoices[0]?.reference ?? ""));
    expect(mails).toHaveLength(1);
  });
});
