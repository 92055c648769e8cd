import { describe, expect, it, vi } from "vitest";
import { limits } from "../../src/domain/limits";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

describe("orders.place", () => {
  it("places an order with computed integer totals and reads it back", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput({
      lines: [
        {
          sku: "A",
          name: "Shirt",
          quantity: 3,
          unitPrice: 1190,
          taxRate: 19,
          isQuantitySplittable: true,
          shipment: "home",
        },
        {
          sku: "B",
          name: "Book",
          quantity: 1,
          unitPrice: 1070,
          taxRate: 7,
          isQuantitySplittable: false,
          shipment: "home",
        },
      ],
    });
    const order = await checkout.orders.place.mutate(input);
    expect(order.reference).toMatch(/^ORD-[0-9A-Z]{16}$/);
    expect(order.process).toBe("payment@1");
    expect(order.totals).toMatchObject({
      subtotal: 3 * 1190 + 1070,
      expenseTotal: 490,
      grandTotal: 3 * 1190 + 1070 + 490,
      canceledTotal: 0,
    });
    // The method gives no tax rate, so shipping is taxed as the goods it carries: 490 split
    // 3570 : 1070 (largest remainder) is 377 at 19 % and 113 at 7 %. Gross prices contain
    // their tax: 19 % of 3570 + 377 = 3947 is 630, 7 % of 1070 + 113 = 1183 is 77.
    expect(order.expenses).toEqual([
      expect.objectContaining({
        shipmentId: "S1",
        amount: 490,
        byRate: [
          { category: "S", rate: 19, amount: 377 },
          { category: "S", rate: 7, amount: 113 },
        ],
        status: "open",
        refundableAmount: 490,
      }),
    ]);
    expect(order.totals.taxByRate).toEqual([
      { category: "S", rate: 19, net: 3947 - 630, tax: 630 },
      { category: "S", rate: 7, net: 1183 - 77, tax: 77 },
    ]);
    expect(order.totals.taxTotal).toBe(707);
    expect(order.totals.billable).toEqual({
      subtotal: order.totals.subtotal,
      expenseTotal: order.totals.expenseTotal,
      discountTotal: 0,
      taxTotal: order.totals.taxTotal,
      grandTotal: order.totals.grandTotal,
      taxByRate: order.totals.taxByRate,
    });
    expect(order.items).toHaveLength(2);
    expect(order.items.map((i) => i.quantity)).toEqual([3, 1]);
    expect(order.version).toBeGreaterThan(0);

    const backoffice = await clientAs("backoffice");
    const read = await backoffice.orders.get.query({ reference: order.reference });
    expect(read).toEqual(order);
  });

  it("the same idempotencyKey from the same caller returns the same order", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput();
    const first = await checkout.orders.place.mutate(input);
    const second = await checkout.orders.place.mutate(input);
    expect(second.reference).toBe(first.reference);
    expect(second.version).toBe(first.version);
  });

  it("the same idempotencyKey with a different body is CONFLICT and changes nothing", async () => {
    const token = await tokenFor("checkout", "shop");
    const input = orderInput();
    const first = await call("orders.place", input, { token });
    expect(first.status).toBe(200);
    const other = await call("orders.place", { ...input, currency: "USD" }, { token });
    expect(other.status).toBe(409);
    expect(other.body.error?.data.code).toBe("CONFLICT");
  });

  it("sends one order confirmation mail to the customer, through the outbox", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput({
      customer: { reference: "ivy", email: "ivy@example.com", firstName: "Ivy", lastName: "I" },
    });
    const order = await checkout.orders.place.mutate(input);
    await checkout.orders.place.mutate(input);
    const backoffice = await clientAs("backoffice");
    await vi.waitFor(async () => {
      const { mails } = await backoffice.mails.list.query({ to: "ivy@example.com" });
      expect(mails.map((m) => m.subject)).toEqual([`Order confirmation: ${order.reference}`]);
    });
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.event === "sendOrderConfirmation")).toHaveLength(1);
  });

  it("net prices add tax on top", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(
      orderInput({
        priceMode: "net",
        lines: [
          {
            sku: "A",
            name: "A",
            quantity: 2,
            unitPrice: 1000,
            taxRate: 19,
            isQuantitySplittable: true,
            shipment: "home",
          },
        ],
      }),
    );
    // Shipping carries 19 % goods only, so it is taxed at 19 %: tax once on 2000 + 490.
    expect(order.totals).toMatchObject({
      subtotal: 2000,
      taxTotal: 473,
      grandTotal: 2000 + 490 + 473,
    });
  });

  it("taxes shipping at the method's taxRate when the placement gives one", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput();
    const order = await checkout.orders.place.mutate({
      ...input,
      shipments: input.shipments.map((s) => ({ ...s, method: { ...s.method, taxRate: 7 } })),
    });
    expect(order.expenses[0]?.byRate).toEqual([{ category: "S", rate: 7, amount: 490 }]);
    expect(order.totals.taxByRate).toEqual([
      { category: "S", rate: 19, net: 4760 - 760, tax: 760 },
      { category: "S", rate: 7, net: 490 - 32, tax: 32 },
    ]);
  });
});

describe("e-invoice fields", () => {
  it("keeps the buyer, unit codes, VAT categories and one exemption per category; shipping follows its goods' classes", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput();
    const order = await checkout.orders.place.mutate({
      ...input,
      buyer: {
        vatId: "de 123.456.789",
        reference: "991-01234-56",
        electronicAddress: { scheme: "0204", id: "991-01234-56" },
      },
      lines: [
        { ...input.lines[0]!, unitCode: "KGM", unitPrice: 1000 },
        {
          ...input.lines[1]!,
          unitPrice: 3000,
          taxRate: 0,
          taxCategory: "E",
          taxExemptionReason: "Exempt under § 4 Nr. 21 UStG",
          taxExemptionReasonCode: "vatex-eu-132-1i",
        },
      ],
    });
    expect(order.buyer).toEqual({
      vatId: "DE123456789",
      reference: "991-01234-56",
      electronicAddress: { scheme: "0204", id: "991-01234-56" },
    });
    expect(order.items.map((i) => [i.unitCode, i.taxCategory, i.taxRate])).toEqual([
      ["KGM", "S", 19],
      ["C62", "E", 0],
    ]);
    expect(order.taxExemptions).toEqual({
      E: { reason: "Exempt under § 4 Nr. 21 UStG", code: "VATEX-EU-132-1I" },
    });
    // 490 shipping over 2 x 10.00 (S 19 %) and 2 x 30.00 (E 0 %).
    expect(order.expenses[0]?.byRate).toEqual([
      { category: "S", rate: 19, amount: 123 },
      { category: "E", rate: 0, amount: 367 },
    ]);
    expect(order.totals.taxByRate.map((r) => [r.category, r.rate])).toEqual([
      ["S", 19],
      ["E", 0],
    ]);
    const read = await (await clientAs("backoffice")).orders.get.query({
      reference: order.reference,
    });
    expect(read.items).toEqual(order.items);
  });
});

describe("totals stay exact integers", () => {
  it("an order of exactly the amount limit places with exact tax, net and gross", async () => {
    const checkout = await clientAs("checkout", "shop");
    const input = orderInput();
    const atLimit = (priceMode: "gross" | "net", taxRate: number) =>
      checkout.orders.place.mutate({
        ...input,
        idempotencyKey: `${input.idempotencyKey}-${priceMode}`,
        priceMode,
        shipments: input.shipments.map((s) => ({ ...s, method: { ...s.method, price: 0 } })),
        lines: [
          {
            ...input.lines[0]!,
            quantity: limits.maxQuantity,
            unitPrice: limits.maxUnitPrice,
            taxRate,
          },
        ],
      });
    const amount = limits.maxQuantity * limits.maxUnitPrice;
    expect(amount).toBe(limits.maxOrderAmount);
    const net = await atLimit("net", 5.5);
    expect(net.totals).toMatchObject({ taxTotal: 55_000_000_000_000, grandTotal: 1.055e15 });
    // 10^15 x 19 / 119 = 159663865546218.49: in floating point the product is inexact and
    // Math.round(amount * 19 / 119) says ...219.
    const gross = await atLimit("gross", 19);
    expect(gross.totals.taxByRate).toEqual([
      { category: "S", rate: 19, net: amount - 159_663_865_546_218, tax: 159_663_865_546_218 },
    ]);
    expect(gross.totals.grandTotal).toBe(amount);
    for (const order of [net, gross])
      expect(Number.isSafeInteger(order.totals.grandTotal + order.totals.taxTotal)).toBe(true);
  });
});

describe("orders.place rejects bad input with the field path and stores nothing", () => {
  const cases: [string, (i: ReturnType<typeof orderInput>) => unknown, (string | number)[]][] = [
    ["a missing field", ({ currency: _c, ...rest }) => rest, ["currency"]],
    [
      "a negative quantity",
      (i) => ({ ...i, lines: [{ ...i.lines[0], quantity: -1 }] }),
      ["lines", 0, "quantity"],
    ],
    [
      "a fractional price",
      (i) => ({ ...i, lines: [{ ...i.lines[0], unitPrice: 10.5 }] }),
      ["lines", 0, "unitPrice"],
    ],
    [
      "an unknown shipment key",
      (i) => ({ ...i, lines: [{ ...i.lines[0], shipment: "nowhere" }] }),
      ["lines", 0, "shipment"],
    ],
    [
      "a line assigned twice (shipment and allocations)",
      (i) => ({
        ...i,
        lines: [{ ...i.lines[0], allocations: [{ shipment: "home", quantity: 2 }] }],
      }),
      ["lines", 0, "shipment"],
    ],
    [
      "a 256-character custom reference",
      (i) => ({ ...i, customOrderReference: "x".repeat(256) }),
      ["customOrderReference"],
    ],
    [
      "a control character in the custom reference",
      (i) => ({ ...i, customOrderReference: "PO\u0007" }),
      ["customOrderReference"],
    ],
    [
      "a lone surrogate in the custom reference",
      (i) => ({ ...i, customOrderReference: "\ud800lone" }),
      ["customOrderReference"],
    ],
    [
      "a lone surrogate in a line's name",
      (i) => ({ ...i, lines: [{ ...i.lines[0], name: "Shirt \udfff" }] }),
      ["lines", 0, "name"],
    ],
    [
      "a lone surrogate in the customer's first name",
      (i) => ({ ...i, customer: { ...i.customer, firstName: "\ud83dAda" } }),
      ["customer", "firstName"],
    ],
    [
      "a lone surrogate in the idempotency key",
      (i) => ({ ...i, idempotencyKey: `${i.idempotencyKey}\ud800` }),
      ["idempotencyKey"],
    ],
    [
      "a lone surrogate in an email",
      (i) => ({ ...i, customer: { ...i.customer, email: "ada\ud800@example.com" } }),
      ["customer", "email"],
    ],
    [
      "an unknown payment method",
      (i) => ({ ...i, paymentMethod: "prepaymnet" }),
      ["paymentMethod"],
    ],
    ["empty lines", (i) => ({ ...i, lines: [] }), ["lines"]],
    [
      "lines that together pass the order amount limit (2 x 10^15 minor units)",
      (i) => ({
        ...i,
        lines: [0, 1].map((n) => ({
          ...i.lines[0],
          sku: `BIG-${n}`,
          quantity: limits.maxQuantity,
          unitPrice: limits.maxUnitPrice,
        })),
      }),
      ["lines"],
    ],
    [
      "one line at the limit plus shipping",
      (i) => ({
        ...i,
        lines: [{ ...i.lines[0], quantity: limits.maxQuantity, unitPrice: limits.maxUnitPrice }],
      }),
      ["lines"],
    ],
    ["10,001 lines", (i) => ({ ...i, lines: Array(10_001).fill(i.lines[0]) }), ["lines"]],
    [
      "a bad country",
      (i) => ({ ...i, billingAddress: { ...i.billingAddress, country: "Germany" } }),
      ["billingAddress", "country"],
    ],
    ["a bad currency", (i) => ({ ...i, currency: "euro" }), ["currency"]],
    ["a currency with 3 decimals", (i) => ({ ...i, currency: "KWD" }), ["currency"]],
    ["an unknown currency", (i) => ({ ...i, currency: "XYZ" }), ["currency"]],
    [
      "a country that does not exist",
      (i) => ({ ...i, billingAddress: { ...i.billingAddress, country: "XX" } }),
      ["billingAddress", "country"],
    ],
    [
      "a 0 % rate without a VAT category",
      (i) => ({ ...i, lines: [{ ...i.lines[0], taxRate: 0 }] }),
      ["lines", 0, "taxCategory"],
    ],
    [
      "category S at 0 %",
      (i) => ({ ...i, lines: [{ ...i.lines[0], taxRate: 0, taxCategory: "S" }] }),
      ["lines", 0, "taxRate"],
    ],
    [
      "category Z above 0 %",
      (i) => ({ ...i, lines: [{ ...i.lines[0], taxRate: 7, taxCategory: "Z" }] }),
      ["lines", 0, "taxRate"],
    ],
    [
      "an exempt line without a reason",
      (i) => ({ ...i, lines: [{ ...i.lines[0], taxRate: 0, taxCategory: "E" }] }),
      ["lines", 0, "taxExemptionReason"],
    ],
    [
      "a reason on a standard-rated line",
      (i) => ({ ...i, lines: [{ ...i.lines[0], taxExemptionReason: "why" }] }),
      ["lines", 0, "taxExemptionReason"],
    ],
    [
      "two different reasons for one exempt category",
      (i) => ({
        ...i,
        lines: ["A", "B"].map((reason, n) => ({
          ...i.lines[0],
          sku: `E-${n}`,
          taxRate: 0,
          taxCategory: "E",
          taxExemptionReason: reason,
        })),
      }),
      ["lines", 1, "taxExemptionReason"],
    ],
    [
      "reverse charge without the buyer's VAT id",
      (i) => ({
        ...i,
        lines: [
          {
            ...i.lines[0],
            taxRate: 0,
            taxCategory: "AE",
            taxExemptionReasonCode: "VATEX-EU-AE",
          },
        ],
      }),
      ["lines", 0, "taxCategory"],
    ],
    [
      "an intra-community supply without the buyer's VAT id",
      (i) => ({
        ...i,
        shipments: [
          {
            ...i.shipments[0]!,
            method: {
              ...i.shipments[0]!.method,
              taxRate: 0,
              taxCategory: "K",
              taxExemptionReasonCode: "VATEX-EU-IC",
            },
          },
        ],
      }),
      ["shipments", 0, "method", "taxCategory"],
    ],
    [
      "not subject to VAT (O) beside a taxed line",
      (i) => ({
        ...i,
        lines: [
          i.lines[0],
          {
            ...i.lines[0],
            sku: "O",
            taxRate: 0,
            taxCategory: "O",
            taxExemptionReasonCode: "VATEX-EU-O",
          },
        ],
      }),
      ["lines"],
    ],
    [
      "an unknown VATEX code",
      (i) => ({
        ...i,
        lines: [
          { ...i.lines[0], taxRate: 0, taxCategory: "E", taxExemptionReasonCode: "VATEX-XX-1" },
        ],
      }),
      ["lines", 0, "taxExemptionReasonCode"],
    ],
    [
      "an unknown unit code",
      (i) => ({ ...i, lines: [{ ...i.lines[0], unitCode: "PIECES" }] }),
      ["lines", 0, "unitCode"],
    ],
    [
      "a buyer VAT id without its country prefix",
      (i) => ({ ...i, buyer: { vatId: "123456789" } }),
      ["buyer", "vatId"],
    ],
    [
      "an electronic address in an unknown scheme",
      (i) => ({ ...i, buyer: { electronicAddress: { scheme: "XX", id: "a@b.c" } } }),
      ["buyer", "electronicAddress", "scheme"],
    ],
    [
      "a bad email",
      (i) => ({ ...i, customer: { ...i.customer, email: "nope" } }),
      ["customer", "email"],
    ],
    ["an unknown field", (i) => ({ ...i, discount: 5 }), []],
    [
      "a shipment without lines",
      (i) => ({ ...i, shipments: [...i.shipments, { ...i.shipments[0], key: "empty" }] }),
      ["shipments", 1],
    ],
    [
      "allocations that do not add up",
      (i) => ({
        ...i,
        lines: [
          { ...i.lines[0], shipment: undefined, allocations: [{ shipment: "home", quantity: 1 }] },
        ],
      }),
      ["lines", 0, "allocations"],
    ],
    [
      "a non-splittable line over two shipments",
      (i) => ({
        ...i,
        shipments: [...i.shipments, { ...i.shipments[0], key: "office" }],
        lines: [
          {
            ...i.lines[0],
            isQuantitySplittable: false,
            shipment: undefined,
            allocations: [
              { shipment: "home", quantity: 1 },
              { shipment: "office", quantity: 1 },
            ],
          },
        ],
      }),
      ["lines", 0, "allocations"],
    ],
  ];

  it("says what is wrong in words, field by field, and keeps zod's issues in data.issues", async () => {
    const token = await tokenFor("checkout", "shop");
    const input = orderInput();
    const res = await call(
      "orders.place",
      {
        ...input,
        customer: { ...input.customer, email: "nope" },
        lines: [{ ...input.lines[0], quantity: 0 }],
      },
      { token },
    );
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toBe(
      "customer.email: Invalid email address; lines[0].quantity: Too small: expected number to be >=1",
    );
    expect(res.body.error?.data.issues?.map((i) => i.path)).toEqual([
      ["customer", "email"],
      ["lines", 0, "quantity"],
    ]);
  });

  for (const [name, mutate, path] of cases)
    it(`rejects ${name}`, async () => {
      const token = await tokenFor("checkout", "shop");
      const input = orderInput();
      const res = await call("orders.place", mutate(input), { token });
      expect(res.status).toBe(400);
      expect(res.body.error?.data.code).toBe("BAD_REQUEST");
      expect(res.body.error?.data.stack).toBeUndefined();
      const issuePaths = (res.body.error?.data.issues ?? []).map((i) => i.path);
      expect(issuePaths).toContainEqual(path);
      // Nothing was stored: the same key with a valid body places a fresh order at version 1.
      const ok = await call("orders.place", input, { token });
      expect(ok.status).toBe(200);
    });
});

describe("payment methods", () => {
  it("an unknown payment method is BAD_REQUEST on paymentMethod, naming the known ones", async () => {
    const token = await tokenFor("checkout", "shop");
    const res = await call("orders.place", orderInput({ paymentMethod: "prepaymnet" }), { token });
    expect(res.status).toBe(400);
    const issue = res.body.error?.data.issues?.find((i) => i.path.join(".") === "paymentMethod");
    expect(issue?.message).toContain('"prepaymnet"');
    expect(issue?.message).toContain("prepayment, invoice, none");
    expect(res.body.error?.message).toContain("paymentMethod");
  });
});
