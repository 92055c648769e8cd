import {
  createScheduledController,
  evictDurableObject,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { erpEvents } from "../../src/domain/erp-events";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import { deliveryRetryPolicy as exportRetryPolicy } from "../../src/durable/erp-deliveries";
import type { OrderObject } from "../../src/durable/order-object";
import worker from "../../src/index";
import { orderReferenceFor } from "../../src/router/orders";
import { erpReceiver } from "../erp-receiver-client";
import { clientAs, orderInput } from "../helpers";

const SECOND = 1_000;
const HOUR = 3_600_000;

/** A new order whose object runs on a clock the test moves, with ERP events going to `url`. */
async function placeWithClock(overrides: Partial<PlaceOrderInput> = {}, url = env.ERP_EXPORT_URL) {
  const input = orderInput(overrides);
  const reference = await orderReferenceFor("shop", input.idempotencyKey);
  const stub = env.ORDERS.getByName(reference);
  const clock = { now: Date.now() };
  await runInDurableObject(stub, (o: OrderObject) => {
    o.seam.clock = () => clock.now;
    o.seam.erpExportUrl = url;
  });
  const checkout = await clientAs("checkout", "shop");
  const order = await checkout.orders.place.mutate(input);
  return { reference, stub, clock, order };
}

const backoffice = () => clientAs("backoffice", "erp-tests");

/** Pays, confirms and closes the window: the items are exported (notifyErp). */
async function exportOrder(reference: string) {
  const bo = await backoffice();
  for (const event of ["pay", "confirm"] as const)
    await bo.orders.trigger.mutate({ reference, event, target: { all: true } });
  return bo.orders.closeCancellationWindow.mutate({ reference });
}

/** The order's deliveries as the object has them (strongly consistent), by sequence. */
async function delivery(stub: DurableObjectStub<OrderObject>, sequence: number) {
  const result = await stub.exportDelivery(sequence);
  if (!result.ok) throw new Error(result.message);
  return result.delivery;
}

/** The Cron Trigger, as the platform calls the worker's scheduled handler. */
async function cron(scheduledTime = Date.now()) {
  const controller = createScheduledController({ scheduledTime, cron: "*/5 * * * *" });
  await worker.scheduled(controller, env);
}

const received = async (reference: string) =>
  (await erpReceiver.log(reference)).received.map((r) => `${r.sequence} ${r.type}`);

describe("order events to the ERP", () => {
  it("a walked order arrives as exactly its events, in sequence, each verified by the standardwebhooks package", async () => {
    const { reference, order } = await placeWithClock({ customOrderReference: "PO-WALK-1" });
    const bo = await backoffice();
    // Before the export the ERP does not know the order: a reference change is no event.
    await bo.orders.setCustomReference.mutate({ reference, customOrderReference: "PO-WALK-2" });
    const exported = await exportOrder(reference);
    expect(exported.itemStates).toEqual({ exported: 4 });
    const [first] = order.items;
    await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: first!.id, quantity: 1 }] },
    });
    await bo.orders.setCustomReference.mutate({ reference, customOrderReference: "PO-WALK-3" });
    await bo.orders.trigger.mutate({ reference, event: "invoice-generate", target: { all: true } });

    const types = [
      "1 order.exported",
      "2 order.items.cancelled",
      "3 order.custom-reference.changed",
      "4 invoice.issued",
    ];
    await vi.waitFor(async () => expect(await received(reference)).toEqual(types), {
      timeout: 15_000,
    });
    const log = await erpReceiver.log(reference);
    expect(log.attempts.every((a) => a.verified && a.status === 200)).toBe(true);
    // What is sent is what /openapi.json documents.
    for (const { type, body } of log.received)
      expect(erpEvents[type as keyof typeof erpEvents].safeParse(body).error).toBeUndefined();
    expect(log.attempts).toHaveLength(4);
    const [exp, cancelled, changed, invoiced] = log.received.map((r) => r.body);
    expect(log.received.map((r) => r.id)).toEqual([1, 2, 3, 4].map((n) => `msg_${reference}_${n}`));

    expect(exp?.data).toMatchObject({
      orderReference: reference,
      sequence: 1,
      customOrderReference: "PO-WALK-2",
      itemIds: order.items.map((i) => i.id),
      order: { reference, customOrderReference: expect.any(String) },
    });
    expect(exp?.data.version).toBe(exported.version);
    const split = (cancelled?.data.items as { id: string }[] | undefined)?.[0];
    expect(cancelled?.data).toMatchObject({
      sequence: 2,
      items: [{ sku: first!.sku, quantity: 1, canceledAmount: first!.unitPrice }],
    });
    expect(split?.id).not.toBe(first!.id); // the cancelled unit was split off
    expect(changed?.data).toMatchObject({
      sequence: 3,
      customOrderReference: "PO-WALK-3",
      previousCustomOrderReference: "PO-WALK-2",
    });
    const final = await bo.orders.get.query({ reference });
    expect(invoiced?.data).toMatchObject({
      sequence: 4,
      invoice: {
        reference: final.invoice!.reference,
        type: "invoice",
        issuedAt: final.invoice!.issuedAt,
        totals: { grandTotal: expect.any(Number) },
        documents: [
          { format: "html", contentType: "text/html; charset=utf-8" },
          { format: "ubl", contentType: "application/xml" },
        ],
      },
    });
    // The UBL travels inline (it is small), exactly as invoices.document serves it.
    const ubl = await bo.invoices.document.query({
      reference: final.invoice!.reference,
      format: "ubl",
    });
    expect((invoiced?.data.invoice as { ubl?: string } | undefined)?.ubl).toBe(ubl.content);

    // Money leaving the invoice: the cancellation, then its credit note, in the order's sequence.
    const second = order.items[1]!;
    await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: second.id, quantity: 1 }] },
    });
    await vi.waitFor(
      async () =>
        expect(await received(reference)).toEqual([
          ...types,
          "5 order.items.cancelled",
          "6 credit-note.issued",
        ]),
      { timeout: 15_000 },
    );
    const after = await erpReceiver.log(reference);
    const credited = after.received[5]?.body;
    expect(erpEvents["credit-note.issued"].safeParse(credited).error).toBeUndefined();
    const withCredit = await bo.orders.get.query({ reference });
    const creditNote = withCredit.invoice!.creditNotes[0]!;
    expect(credited?.data).toMatchObject({
      sequence: 6,
      creditNote: {
        reference: creditNote.reference,
        invoiceReference: final.invoice!.reference,
        issuedAt: creditNote.issuedAt,
        totals: { grandTotal: creditNote.grandTotal },
        items: [{ sku: second.sku, quantity: 1, amount: second.unitPrice }],
        shipping: [],
        documents: [{ format: "html" }, { format: "ubl" }],
        ubl: expect.stringContaining("<CreditNote "),
      },
    });

    // D1's index shows them delivered, newest first.
    await vi.waitFor(async () => {
      const list = await bo.exports.list.query({ orderReference: reference });
      expect(list.deliveries.map((d) => [d.sequence, d.type, d.status, d.attempts])).toEqual([
        [6, "credit-note.issued", "delivered", 1],
        [5, "order.items.cancelled", "delivered", 1],
        [4, "invoice.issued", "delivered", 1],
        [3, "order.custom-reference.changed", "delivered", 1],
        [2, "order.items.cancelled", "delivered", 1],
        [1, "order.exported", "delivered", 1],
      ]);
    });
  });

  it("an ERP that never answers holds back neither the read model nor the invoice", async () => {
    const skus = ["HANG-1", "HANG-2"];
    const lines = orderInput().lines.map((line, i) => ({ ...line, sku: skus[i]! }));
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ lines }));
    const { reference } = order;
    const stub = env.ORDERS.getByName(reference);
    await erpReceiver.behave(reference, { hang: true });
    await exportOrder(reference);
    // The export's first attempt is on the wire, and will get no answer (ERP_EXPORT_TIMEOUT: 15 s).
    await vi.waitFor(async () =>
      expect((await erpReceiver.log(reference)).attempts.map((a) => a.status)).toEqual(["hung"]),
    );

    const bo = await backoffice();
    const cancelled = await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: order.items[0]!.id, quantity: 1 }] },
    });
    await bo.orders.trigger.mutate({ reference, event: "invoice-generate", target: { all: true } });
    // Well inside the ERP's timeout: lists, reservations and the invoice do not wait for it.
    const bound = { timeout: 7_500, interval: 50 };
    await vi.waitFor(async () => {
      const [list, reserved] = await Promise.all([
        bo.orders.list.query({ reference }),
        checkout.reservations.get.query({ skus }),
      ]);
      expect(list.orders[0]?.itemStates).toEqual(cancelled.order.itemStates);
      expect(reserved).toEqual([
        { sku: "HANG-1", reserved: 1 },
        { sku: "HANG-2", reserved: 2 },
      ]);
    }, bound);
    await vi.waitFor(async () => {
      const view = await bo.orders.get.query({ reference });
      expect(view.invoice?.reference).toEqual(expect.any(String));
      const listed = await bo.orders.list.query({ reference });
      expect(listed.orders[0]?.version).toBe(view.version);
    }, bound);
    // And all that while the ERP attempt was still open: the export has not even failed yet.
    expect(await delivery(stub, 1)).toMatchObject({ status: "pending", attempts: 0 });
    expect((await erpReceiver.log(reference)).attempts).toHaveLength(1);
  });

  it("an ERP outage of 3.5 minutes loses nothing: retries back off with one webhook-id, the next event waits", async () => {
    const { reference, stub, clock, order } = await placeWithClock();
    await erpReceiver.behave(reference, { failFirst: 3 });
    await exportOrder(reference);
    await vi.waitFor(async () => expect((await delivery(stub, 1)).attempts).toBe(1));
    // A cancellation while the export keeps failing: it waits, however often the alarm runs.
    const bo = await backoffice();
    await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: order.items[1]!.id }] },
    });
    const delays: number[] = [];
    // Each retry when it is due: the clock moves to it, the alarm fires.
    for (const [i, sequence] of [1, 1, 1, 2, 2, 2].entries()) {
      // The ERP drain runs beside the alarm: the attempt it started is done once counted.
      const d = await vi.waitFor(async () => {
        const d = await delivery(stub, sequence);
        expect(d).toMatchObject({
          status: "pending",
          attempts: (i % 3) + 1,
          lastError: "the ERP answered 500",
        });
        return d;
      });
      if (sequence === 1) expect((await delivery(stub, 2)).attempts).toBe(0);
      const due = Date.parse(d.nextAttemptAt!);
      delays.push(due - Date.parse(d.lastAttemptAt!));
      clock.now = due;
      await runDurableObjectAlarm(stub);
    }
    expect(delays).toEqual([30, 60, 120, 30, 60, 120].map((s) => s * SECOND));
    await vi.waitFor(async () =>
      expect(await received(reference)).toEqual(["1 order.exported", "2 order.items.cancelled"]),
    );
    const { attempts } = await erpReceiver.log(reference);
    expect(attempts.map((a) => [a.sequence, a.status])).toEqual([
      [1, 500],
      [1, 500],
      [1, 500],
      [1, 200],
      [2, 500],
      [2, 500],
      [2, 500],
      [2, 200],
    ]);
    expect(new Set(attempts.filter((a) => a.sequence === 1).map((a) => a.id))).toEqual(
      new Set([`msg_${reference}_1`]),
    );
    expect(attempts.every((a) => a.verified)).toBe(true);
  });

  it("gives up after at least 24 hours as failed, visible and retryable; later events go on meanwhile", async () => {
    const { reference, stub, clock, order } = await placeWithClock();
    await erpReceiver.behave(reference, { downSequences: [1] });
    await exportOrder(reference);
    const bo = await backoffice();
    await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: order.items[0]!.id }] },
    });
    await vi.waitFor(async () => expect((await delivery(stub, 1)).attempts).toBe(1));
    const first = Date.parse((await delivery(stub, 1)).lastAttemptAt!);
    const { maxAttempts } = exportRetryPolicy(30 * SECOND);
    for (let attempt = 1; attempt < maxAttempts; attempt++) {
      clock.now = Date.parse((await delivery(stub, 1)).nextAttemptAt!);
      await runDurableObjectAlarm(stub);
      // The ERP drain runs beside the alarm: the attempt it started is done once counted.
      await vi.waitFor(async () => expect((await delivery(stub, 1)).attempts).toBe(attempt + 1));
    }
    const failed = await delivery(stub, 1);
    expect(failed).toMatchObject({
      status: "failed",
      attempts: maxAttempts,
      nextAttemptAt: null,
      lastError: "the ERP answered 503",
    });
    expect(Date.parse(failed.lastAttemptAt!) - first).toBeGreaterThanOrEqual(24 * HOUR);
    // Given up, the order's next event went out.
    await vi.waitFor(async () =>
      expect(await received(reference)).toEqual(["2 order.items.cancelled"]),
    );

    await vi.waitFor(async () => {
      const listed = await bo.exports.list.query({ status: "failed" });
      expect(listed.deliveries.find((d) => d.orderReference === reference)).toMatchObject({
        id: `msg_${reference}_1`,
        attempts: maxAttempts,
      });
      const dead = await bo.outbox.dead.query({});
      expect(dead.orders.find((o) => o.reference === reference)?.effects).toEqual([
        { id: expect.any(Number), kind: "erp" },
      ]);
    });

    await erpReceiver.behave(reference, {});
    const retried = await bo.exports.retry.mutate({ id: `msg_${reference}_1` });
    expect(retried).toMatchObject({ status: "pending", attempts: 0, sequence: 1 });
    await vi.waitFor(async () =>
      expect(await received(reference)).toEqual(["2 order.items.cancelled", "1 order.exported"]),
    );
    await vi.waitFor(async () => {
      const listed = await bo.exports.list.query({
        orderReference: reference,
        status: "delivered",
      });
      expect(listed.deliveries.map((d) => d.sequence)).toEqual([2, 1]);
    });
    const again = await bo.exports.retry
      .mutate({ id: `msg_${reference}_1` })
      .catch((e: Error) => e);
    expect((again as Error).message).toMatch(/delivered, not failed/);
    const unknown = await bo.exports.retry
      .mutate({ id: "msg_ORD-NOSUCH_1" })
      .catch((e: Error) => e);
    expect((unknown as Error).message).toMatch(/not found/);
  });

  it("wait as pending without ERP_EXPORT_URL; the scheduled sweep sends them once a URL is set", async () => {
    const { reference, stub } = await placeWithClock({}, "");
    await exportOrder(reference);
    const bo = await backoffice();
    await vi.waitFor(async () => {
      const listed = await bo.exports.list.query({ orderReference: reference });
      expect(listed.deliveries).toEqual([
        expect.objectContaining({
          sequence: 1,
          type: "order.exported",
          status: "pending",
          attempts: 0,
          nextAttemptAt: null,
          lastError: "waiting: ERP_EXPORT_URL is not set",
        }),
      ]);
    });
    // Nothing wakes the object by itself: no alarm waits for the delivery.
    expect(await runDurableObjectAlarm(stub)).toBe(false);

    // The sweep wakes it; with the object still without a URL nothing moves.
    await cron();
    expect((await delivery(stub, 1)).attempts).toBe(0);

    // A deployment with the URL set: the next sweep sends it.
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.erpExportUrl = env.ERP_EXPORT_URL;
    });
    await cron();
    await vi.waitFor(async () => expect(await received(reference)).toEqual(["1 order.exported"]));
    expect((await delivery(stub, 1)).status).toBe("delivered");
  });

  it("the sweep catches a delivery whose order object never woke", async () => {
    const { reference, stub, clock } = await placeWithClock();
    await erpReceiver.behave(reference, { failFirst: 1 });
    await exportOrder(reference);
    await vi.waitFor(async () => expect((await delivery(stub, 1)).attempts).toBe(1));
    const due = Date.parse((await delivery(stub, 1)).nextAttemptAt!);
    const bo = await backoffice();
    await vi.waitFor(async () => {
      const [listed] = (await bo.exports.list.query({ orderReference: reference })).deliveries;
      expect(listed?.nextAttemptAt).toBe(new Date(due).toISOString());
    });
    // The alarm is lost.
    await runInDurableObject(stub, async (_o, state) => state.storage.deleteAlarm());
    clock.now = due + 2 * 60 * SECOND;
    await cron(clock.now);
    await vi.waitFor(async () => expect(await received(reference)).toEqual(["1 order.exported"]));
  });

  it("notifyErp rows of an order stored before deliveries existed become its first deliveries", async () => {
    const { reference, stub, order } = await placeWithClock({}, "");
    await exportOrder(reference);
    // Turn the object back into what the previous schema (2) stored: an ERP row nobody sends.
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      const ids = JSON.stringify(order.items.map((i) => i.id));
      state.storage.transactionSync(() => {
        sql.exec(`DELETE FROM outbox WHERE kind = 'erp'`);
        sql.exec(`DROP INDEX IF EXISTS outbox_sequence`);
        for (const column of ["sequence", "revision", "projected"])
          sql.exec(`ALTER TABLE outbox DROP COLUMN ${column}`);
        // Later migrations (items' state_since) run again after this one.
        sql.exec(`ALTER TABLE items DROP COLUMN state_since`);
        sql.exec(
          `INSERT INTO outbox (kind, payload, next_at, created_at) VALUES ('erp', ?, NULL, ?)`,
          JSON.stringify({ kind: "erp", command: "notifyErp", itemIds: JSON.parse(ids) }),
          Date.now(),
        );
        sql.exec(`UPDATE order_header SET data = json_remove(data, '$.exportedAt')`);
        // Objects of that time kept their schema version in `meta` (new ones have none).
        sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
        sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '2')`);
      });
    });
    await evictDurableObject(stub);

    // The next request migrates the object (its seam is new: ERP_EXPORT_URL is set) and sends.
    const bo = await backoffice();
    await bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: order.items[0]!.id }] },
    });
    await vi.waitFor(async () =>
      expect(await received(reference)).toEqual(["1 order.exported", "2 order.items.cancelled"]),
    );
    const [exported] = (await erpReceiver.log(reference)).received;
    expect(exported?.body.data.itemIds).toEqual(order.items.map((i) => i.id));
  });
});
