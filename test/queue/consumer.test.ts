import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEMPLATE_VERSION } from "../../src/invoices/html";
import { captureTransport, type Mail, type MailTransport } from "../../src/mail/transport";
import { backoffSeconds, retryPolicyFromEnv } from "../../src/queue/invoices";
import { clientAs } from "../helpers";
import { address } from "../order-input";
import {
  allocatedNumber,
  consume as consumeWith,
  db,
  documentOf,
  highestNumber,
  invoicesOf,
  job,
  mailsFor,
  place,
  readOrder,
} from "./consume";

const BCC = ["books@shop.example", "audit@shop.example"];
// The shop's BCC list as an operator would write it.
const testEnv = { ...env, INVOICE_BCC: " books@shop.example,audit@shop.example , " } as Env;

/** The consumer with the shop's BCC list, unless a test brings its own environment. */
const consume = (
  bodies: Parameters<typeof consumeWith>[0],
  options: Parameters<typeof consumeWith>[1] = {},
) => consumeWith(bodies, { env: testEnv, ...options });

/** A D1 that fails every statement matching `pattern`: an outage of one table. */
function d1FailingOn(pattern: RegExp): D1Database {
  const real = env.DB;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare")
        return (query: string) => {
          if (pattern.test(query)) throw new Error(`D1 unavailable for: ${query.slice(0, 60)}`);
          return target.prepare(query);
        };
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A provider that is down. */
const downTransport: MailTransport = {
  async send() {
    throw new Error("mail provider answered 503");
  },
};

describe("invoice consumer, end to end", () => {
  it("the back office resends an invoice: the customer gets it again, the order's history says who", async () => {
    const order = await place();
    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    const backoffice = await clientAs("backoffice", "olga");
    const resent = await backoffice.invoices.resend.mutate({ reference: invoice!.reference });
    expect(resent.mailedAt >= invoice!.mailedAt!).toBe(true);
    const mails = await mailsFor(invoice!.reference);
    expect(mails).toHaveLength(2);
    expect(mails.map((m) => m.idempotencyKey)).toEqual([
      invoice!.reference,
      expect.stringMatching(new RegExp(`^${invoice!.reference}:resend:`)),
    ]);
    const { mails: listed } = await backoffice.mails.list.query({ to: "ada@example.com" });
    expect(listed.filter((m) => m.subject === `Invoice: ${invoice!.reference}`)).toHaveLength(2);
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.at(-1)).toMatchObject({
      type: "invoice-resent",
      actor: "backoffice:olga",
      data: { reference: invoice!.reference, mailedAt: resent.mailedAt },
    });
  });

  it("numbers, stores and mails the invoice with the BCC copy, then records it on the order", async () => {
    const order = await place();
    const before = await highestNumber();
    const verdict = await consume([job(order.reference)]);
    expect(verdict.acked).toEqual([true]);
    expect(verdict.retried).toEqual([undefined]);

    const [invoice, ...others] = await invoicesOf(order.reference);
    expect(others).toEqual([]);
    expect(invoice).toMatchObject({
      reference: `Invoice-${before + 1}`,
      number: before + 1,
      orderReference: order.reference,
      customerReference: "customer-1",
      customerEmail: "ada@example.com",
      currency: "EUR",
      templateVersion: TEMPLATE_VERSION,
    });
    expect(invoice?.totals).toMatchObject({
      subtotal: order.totals.subtotal,
      expenseTotal: order.totals.expenseTotal,
      taxTotal: order.totals.taxTotal,
      grandTotal: order.totals.grandTotal,
      taxByRate: order.totals.taxByRate,
    });
    const document = await documentOf(invoice);
    expect(document).toContain(order.reference);
    expect(document).toContain(`Invoice-${before + 1}`);
    expect(invoice?.mailedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const mails = await mailsFor(invoice?.reference ?? "");
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      to: "ada@example.com",
      bcc: BCC,
      subject: `Invoice: Invoice-${before + 1}`,
      idempotencyKey: `Invoice-${before + 1}`,
      attachments: [
        expect.objectContaining({
          filename: `Invoice-${before + 1}.html`,
          contentType: "text/html; charset=utf-8",
          storageKey: invoice?.documents?.[0]?.key,
        }),
        expect.objectContaining({
          filename: `Invoice-${before + 1}.xml`,
          contentType: "application/xml",
          storageKey: invoice?.documents?.[1]?.key,
        }),
      ],
    });
    const ubl = await documentOf(invoice, "ubl");
    expect(ubl).toContain(`<cbc:ID>Invoice-${before + 1}</cbc:ID>`);
    expect(ubl).toContain(`<cbc:SalesOrderID>${order.reference}</cbc:SalesOrderID>`);

    const after = await readOrder(order.reference);
    expect(after.invoice).toEqual({
      reference: invoice?.reference,
      issuedAt: invoice?.issuedAt,
      creditNotes: [],
    });
    const history = await (await clientAs("backoffice")).orders.history.query({
      reference: order.reference,
    });
    expect(history.filter((h) => h.type === "invoice-issued")).toHaveLength(1);
  });

  it("the same job delivered three times at once, three times in a batch, and again later, makes one invoice and one mail", async () => {
    const order = await place();
    const before = await highestNumber();
    // Three deliveries at once, as three concurrent consumer invocations would see them.
    const first = await Promise.all([1, 2, 3].map(() => consume([job(order.reference)])));
    expect(first.map((v) => v.acked)).toEqual([[true], [true], [true]]);
    // Three copies in one batch.
    const copies = await consume([
      job(order.reference),
      job(order.reference),
      job(order.reference),
    ]);
    expect(copies.acked).toEqual([true, true, true]);
    const again = await consume([job(order.reference, 2)]);
    expect(again.acked).toEqual([true]);

    const invoices = await invoicesOf(order.reference);
    expect(invoices.map((i) => i.number)).toEqual([before + 1]);
    expect(await mailsFor(`Invoice-${before + 1}`)).toHaveLength(1);
    // No number was burnt by the repeats: the next order continues the sequence.
    const next = await place();
    await consume([job(next.reference)]);
    expect((await invoicesOf(next.reference))[0]?.number).toBe(before + 2);
  });

  it("gives the orders of one batch consecutive numbers", async () => {
    const orders = await Promise.all([1, 2, 3, 4, 5].map(() => place()));
    const before = await highestNumber();
    const verdict = await consume(orders.map((o) => job(o.reference)));
    expect(verdict.acked).toEqual([true, true, true, true, true]);
    const numbersIssued = (
      await Promise.all(orders.map(async (o) => (await invoicesOf(o.reference))[0]?.number))
    ).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(numbersIssued).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
  });

  it("bills the order without its cancelled items and the expense of a shipment left with none", async () => {
    const order = await place({
      shipments: [
        {
          key: "home",
          address,
          method: { id: "dhl", name: "DHL Paket", price: 490, taxRate: 19 },
        },
        {
          key: "office",
          address: { ...address, city: "Hamburg", zipCode: "20095" },
          method: { id: "express", name: "Express", price: 990, taxRate: 19 },
        },
      ],
      lines: [
        {
          sku: "SHIRT",
          name: "Shirt",
          quantity: 3,
          unitPrice: 1190,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "BOOK",
          name: "Book",
          quantity: 1,
          unitPrice: 1070,
          taxRate: 7,
          isQuantitySplittable: false,
          shipment: "home",
        },
        {
          sku: "MUG",
          name: "Mug",
          quantity: 2,
          unitPrice: 850,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "office",
        },
      ],
    });
    const shirt = order.items.find((i) => i.sku === "SHIRT");
    const mug = order.items.find((i) => i.sku === "MUG");
    const backoffice = await clientAs("backoffice");
    // One shirt of three, and every mug: the office shipment is left with nothing to ship.
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "cancel",
      target: { items: [{ id: shirt?.id ?? "", quantity: 1 }, { id: mug?.id ?? "" }] },
    });
    const cancelled = await readOrder(order.reference);
    expect(cancelled.totals.canceledTotal).toBe(1190 + 2 * 850 + 990);

    await consume([job(order.reference)]);
    const [invoice] = await invoicesOf(order.reference);
    // Billed: 2 shirts (2380) and the book (1070), shipping 490 at 19 %.
    expect(invoice?.totals).toEqual({
      subtotal: 2380 + 1070,
      expenseTotal: 490,
      discountTotal: 0,
      taxByRate: [
        { category: "S", rate: 19, net: 2870 - 458, tax: 458 },
        { category: "S", rate: 7, net: 1000, tax: 70 },
      ],
      taxTotal: 458 + 70,
      grandTotal: 2380 + 1070 + 490,
    });
    expect(invoice?.totals).toEqual(cancelled.totals.billable);
    // What the order still bills equals what the invoice bills.
    expect(invoice?.totals.grandTotal).toBe(cancelled.totals.refundableTotal);
    const document = await documentOf(invoice);
    expect(document).toContain("Shirt");
    expect(document).toContain("Book");
    expect(document).not.toContain("Mug");
    expect(document).not.toContain("Express");
  });
});

describe("invoice consumer, failures", () => {
  it("retries with backoff when numbering fails, then issues exactly one invoice with the next number", async () => {
    const order = await place();
    const before = await highestNumber();
    const numbersDown = {
      ...testEnv,
      INVOICE_NUMBERS: {
        getByName: () => ({
          allocate: async () => {
            throw new Error("invoice numbers unavailable");
          },
        }),
      },
    } as unknown as Env;
    const failed = await consume([job(order.reference, 3)], { env: numbersDown });
    expect(failed.acked).toEqual([false]);
    expect(failed.retried).toEqual([{ delaySeconds: 40 }]);
    expect(await invoicesOf(order.reference)).toEqual([]);

    const ok = await consume([job(order.reference, 4)]);
    expect(ok.acked).toEqual([true]);
    const invoices = await invoicesOf(order.reference);
    expect(invoices.map((i) => i.number)).toEqual([before + 1]);
    expect(await mailsFor(`Invoice-${before + 1}`)).toHaveLength(1);
  });

  it("retries when storing fails, and the retry keeps the number already allocated", async () => {
    const order = await place();
    const before = await highestNumber();
    const invoicesDown = { ...testEnv, DB: d1FailingOn(/insert into "invoices"/i) } as Env;
    const failed = await consume([job(order.reference)], { env: invoicesDown });
    expect(failed.acked).toEqual([false]);
    expect(failed.retried[0]?.delaySeconds).toBe(backoffSeconds(1));
    expect(await invoicesOf(order.reference)).toEqual([]);
    const allocated = await allocatedNumber(order.reference);
    expect(allocated).toEqual({ number: before + 1 });

    await consume([job(order.reference, 2)]);
    const invoices = await invoicesOf(order.reference);
    expect(invoices.map((i) => i.number)).toEqual([before + 1]);
    expect(await mailsFor(`Invoice-${before + 1}`)).toHaveLength(1);
  });

  it("a failed mail never marks the invoice mailed; the retry mails it once and keeps the stored invoice", async () => {
    const order = await place();
    const failed = await consume([job(order.reference)], { deps: { transport: downTransport } });
    expect(failed.acked).toEqual([false]);
    const [stored] = await invoicesOf(order.reference);
    expect(stored?.mailedAt).toBeNull();
    expect(await mailsFor(stored?.reference ?? "")).toEqual([]);
    expect((await readOrder(order.reference)).invoice).toBeNull();

    // Later, and rendered differently if it were rendered again: it is not.
    const later = () => new Date(Date.parse(stored?.issuedAt ?? "") + 3_600_000);
    const ok = await consume([job(order.reference, 2)], { deps: { now: later } });
    expect(ok.acked).toEqual([true]);
    const [mailed] = await invoicesOf(order.reference);
    expect(mailed).toEqual({ ...stored, mailedAt: later().toISOString() });
    expect(await mailsFor(stored?.reference ?? "")).toHaveLength(1);
    expect((await readOrder(order.reference)).invoice).toEqual({
      reference: stored?.reference,
      issuedAt: stored?.issuedAt,
      creditNotes: [],
    });
  });

  it("a mail the provider took but did not confirm is not sent twice on retry", async () => {
    const order = await place();
    const capture = captureTransport(db);
    const sent: Mail[] = [];
    // Accepts the mail, then the connection drops before the answer arrives.
    const flaky: MailTransport = {
      async send(mail) {
        sent.push(mail);
        await capture.send(mail);
        if (sent.length === 1) throw new Error("connection reset");
      },
    };
    expect((await consume([job(order.reference)], { deps: { transport: flaky } })).acked).toEqual([
      false,
    ]);
    expect(
      (await consume([job(order.reference, 2)], { deps: { transport: flaky } })).acked,
    ).toEqual([true]);
    const [invoice] = await invoicesOf(order.reference);
    expect(sent.map((m) => m.idempotencyKey)).toEqual([invoice?.reference, invoice?.reference]);
    expect(await mailsFor(invoice?.reference ?? "")).toHaveLength(1);
  });

  it("one bad message does not hold back the others of its batch", async () => {
    const good = await place();
    const verdict = await consume([
      { body: { orderReference: "" } },
      { body: "not even an object", attempts: 5 },
      job("ORD-DOES-NOT-EXIST"),
      job(good.reference),
    ]);
    expect(verdict.ackAll).toBe(false);
    expect(verdict.retryBatch).toBe(false);
    expect(verdict.acked).toEqual([false, false, false, true]);
    // Malformed jobs can never succeed: they go on to the dead-letter queue without a backoff.
    expect(verdict.retried.map((r) => r?.delaySeconds)).toEqual([0, 0, 10, undefined]);
    expect(await invoicesOf(good.reference)).toHaveLength(1);
    // An order that cannot be read consumes no number.
    expect(await allocatedNumber("ORD-DOES-NOT-EXIST")).toBeNull();
  });

  it("backs off exponentially from 10 seconds up to 10 minutes", () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((n) => backoffSeconds(n))).toEqual([
      10, 10, 20, 40, 320, 600, 600,
    ]);
    // What INVOICE_RETRY_DELAY and INVOICE_RETRY_MAX_DELAY say, in whole seconds.
    const policy = retryPolicyFromEnv({
      INVOICE_RETRY_DELAY: "1500 ms",
      INVOICE_RETRY_MAX_DELAY: "5 seconds",
    });
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, policy))).toEqual([2, 3, 5, 5]);
  });
});
