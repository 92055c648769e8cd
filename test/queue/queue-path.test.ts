import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import * as schema from "../../src/db/schema";
import { clientAs, orderInput } from "../helpers";

const db = drizzle(env.DB, { schema });

describe("invoice through the real queue", () => {
  it("an invoice-generate event ends as a stored, mailed invoice recorded on the order", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "none" }));
    const backoffice = await clientAs("backoffice");
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "invoice-generate",
      target: { all: true },
    });
    // Outbox -> INVOICE_QUEUE -> local broker (max_batch_timeout 1 s) -> queue handler.
    await vi.waitUntil(
      async () =>
        (await backoffice.orders.get.query({ reference: order.reference })).invoice !== null,
      { timeout: 20_000, interval: 250 },
    );
    const invoices = await db
      .select()
      .from(schema.invoices)
      .where(eq(schema.invoices.orderReference, order.reference));
    expect(invoices).toHaveLength(1);
    const [invoice] = invoices;
    expect(invoice?.mailedAt).not.toBeNull();
    const mails = await db
      .select()
      .from(schema.mails)
      .where(eq(schema.mails.idempotencyKey, invoice?.reference ?? ""));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toBe(order.customer.email);
    const read = await backoffice.orders.get.query({ reference: order.reference });
    expect(read.invoice).toEqual({
      reference: invoice?.reference,
      issuedAt: invoice?.issuedAt,
      creditNotes: [],
    });
  });
});

describe("an invoice requested but never issued", () => {
  it("is issued by invoice-generate again after its job was lost", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "none" }));
    // What a lost job leaves behind (the local broker keeps messages in memory; a restart
    // drops them): the order says an invoice was requested, and no job exists anywhere.
    const stub = env.ORDERS.getByName(order.reference);
    await runInDurableObject(stub, (_object, state) => {
      state.storage.sql.exec(
        "UPDATE order_header SET data = json_set(data, '$.invoiceRequestedAt', ?)",
        Date.now() - 3_600_000,
      );
    });
    await evictDurableObject(stub);

    const backoffice = await clientAs("backoffice");
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "invoice-generate",
      target: { all: true },
    });
    await vi.waitUntil(
      async () =>
        (await backoffice.orders.get.query({ reference: order.reference })).invoice !== null,
      { timeout: 20_000, interval: 250 },
    );
    const history = await backoffice.orders.history.query({ reference: order.reference });
    const requests = history.filter((h) => h.event === "generateInvoice");
    expect(requests.at(-1)?.data).toMatchObject({ reissued: true });
    expect(requests.at(-1)?.data).not.toHaveProperty("skipped");

    // Issued now: asking again changes nothing, and no second invoice or mail appears.
    const again = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "invoice-generate",
      target: { all: true },
    });
    const after = await backoffice.orders.history.query({ reference: order.reference });
    expect(after.filter((h) => h.event === "generateInvoice").at(-1)?.data).toMatchObject({
      skipped: "this order's invoice was already issued",
    });
    expect(again.order.invoice).not.toBeNull();
    const invoices = await db
      .select()
      .from(schema.invoices)
      .where(eq(schema.invoices.orderReference, order.reference));
    expect(invoices).toHaveLength(1);
  });
});
