import { describe, expect, it } from "vitest";
import { invoiceContent } from "../../src/engine/invoice";
import { escapeHtml, formatMoney } from "../../src/mail/html";
import { parseSeller, renderInvoice } from "../../src/queue/render";
import { sampleOrder, seller } from "./fixtures";

const render = (order = sampleOrder()) =>
  renderInvoice({ order, reference: "Invoice-7", issuedAt: "2026-11-03T12:00:00.000Z", seller });

describe("invoice content", () => {
  it("bills only items not flagged cancelled or refunded, merged per order line", () => {
    const order = sampleOrder();
    const first = order.items[0]!;
    order.items.push({
      ...first,
      id: "I5",
      quantity: 1,
      state: "refunded",
      flags: ["shipped", "refunded", "final"],
      refundableAmount: 0,
      refundedAmount: 1190,
    });
    const { lines } = invoiceContent(order);
    expect(lines).toEqual([
      expect.objectContaining({ lineId: "L1", quantity: 2, amount: 2380, taxRate: 19 }),
      expect.objectContaining({ lineId: "L2", quantity: 1, amount: 2140, taxRate: 7 }),
    ]);
  });

  it("does not bill the expense of a shipment whose items are all cancelled", () => {
    const { expenses } = invoiceContent(sampleOrder());
    expect(expenses.map((e) => e.shipmentId)).toEqual(["S1"]);
  });

  it("bills the expense of a removed shipment, which follows the shipment its items went to", () => {
    const order = sampleOrder();
    const s1 = order.expenses[0]!;
    order.expenses.push({ ...s1, shipmentId: "S3", movedTo: "S1", amount: 300 });
    order.expenses[2]!.byRate = [{ rate: 19, amount: 300 }];
    const { expenses, totals } = invoiceContent(order);
    expect(expenses.map((e) => e.shipmentId)).toEqual(["S1", "S3"]);
    expect(totals.expenseTotal).toBe(490 + 300);
    // Were S1's items all cancelled, S3's expense would be cancelled with them.
    order.items = order.items.map((i) => ({ ...i, state: "cancelled", flags: ["cancelled"] }));
    expect(invoiceContent(order).expenses).toEqual([]);
  });

  it("bills an expense split over several rates as one row per rate", () => {
    const order = sampleOrder();
    order.expenses[0] = {
      ...order.expenses[0]!,
      byRate: [
        { rate: 19, amount: 290 },
        { rate: 7, amount: 200 },
      ],
    };
    const { html, totals } = render(order);
    expect(html).toContain("(share at 19 %)");
    expect(html).toContain("(share at 7 %)");
    expect(html).toContain("€2.90");
    expect(html).toContain("€2.00");
    // 19 %: 2380 + 290 = 2670 gross; 7 %: 2140 + 200 = 2340 gross.
    expect(totals.taxByRate).toEqual([
      { rate: 19, net: 2244, tax: 426 },
      { rate: 7, net: 2187, tax: 153 },
    ]);
  });

  it("computes gross totals with net and tax once per rate", () => {
    expect(render().totals).toEqual({
      subtotal: 4520,
      expenseTotal: 490,
      discountTotal: 0,
      // 19 %: 2380 + 490 shipping = 2870 gross; 7 %: 2140 gross.
      taxByRate: [
        { rate: 19, net: 2412, tax: 458 },
        { rate: 7, net: 2000, tax: 140 },
      ],
      taxTotal: 598,
      grandTotal: 5010,
    });
  });

  it("adds tax on top in net mode: the billed parts' shares of the order's tax per rate", () => {
    const { totals } = render(sampleOrder({ priceMode: "net" }));
    // The order's 19 % tax is round(0.19 x (3570 + 2000 + 490 + 990)) = 1340, shared by net
    // amount: line L1 679 (of which its 2 billed units carry 2833 - 2380 = 453), shipping S1 93.
    // 7 %: 150 on 2140, all billed.
    expect(totals.taxByRate).toEqual([
      { rate: 19, net: 2870, tax: 453 + 93 },
      { rate: 7, net: 2140, tax: 150 },
    ]);
    expect(totals.grandTotal).toBe(4520 + 490 + 546 + 150);
  });

  it("bills an order with nothing canceled with its tax rounded once per rate", () => {
    const order = sampleOrder({ priceMode: "net" });
    order.items = order.items.filter((i) => i.flags.length === 0);
    order.expenses = order.expenses.slice(0, 1);
    const { totals } = render(order);
    expect(totals.taxByRate).toEqual([
      { rate: 19, net: 2380 + 490, tax: Math.round(0.19 * 2870) },
      { rate: 7, net: 2140, tax: Math.round(0.07 * 2140) },
    ]);
  });
});

describe("invoice document", () => {
  it("shows seller, billing address, number, dates, order and billed lines", () => {
    const { html } = render();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    for (const text of [
      "Demo Shop GmbH",
      "Tax ID DE123456789",
      "billing@demo-shop.example",
      "Engines Ltd",
      "Ada Lovelace",
      "1 Analytical Way",
      "10115 Berlin",
      "Invoice-7",
      "November 3, 2026",
      "ORD-TEST-1",
      "Notebook A5",
      "SKU SKU-L1",
      "Book",
      "Shipping: Standard (DHL) to 10115 Berlin, DE",
      "€23.80",
      "€21.40",
      "€4.90",
      "€45.20",
      "19 %",
      "7 %",
      "€24.12",
      "€4.58",
      "€20.00",
      "€1.40",
      "€50.10",
    ])
      expect(html).toContain(text);
  });

  it("leaves out cancelled lines and the expense of a cancelled shipment", () => {
    const { html } = render();
    expect(html).not.toContain("Pencil");
    expect(html).not.toContain("Express");
    expect(html).not.toContain("€9.90");
  });

  it("shows the buyer's custom order reference only when there is one", () => {
    expect(render().html).not.toContain("Your reference");
    const { html } = render(sampleOrder({ customOrderReference: "PO-4711" }));
    expect(html).toContain("Your reference");
    expect(html).toContain("PO-4711");
  });

  it("escapes every value taken from the order", () => {
    const evil = `<script>alert("x")</script> & 'co'`;
    const order = sampleOrder({ customOrderReference: evil });
    const first = order.items[0]!;
    order.items[0] = { ...first, name: `<img src=x onerror=alert(1)>`, sku: `"><b>` };
    order.billingAddress = { ...order.billingAddress, company: "</address><h1>pwned</h1>" };
    const { html } = render(order);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<h1>pwned");
    expect(html).toContain(escapeHtml(evil));
    expect(escapeHtml(evil)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;",
    );
  });

  it("formats currencies without minor units, such as JPY, as whole amounts", () => {
    const order = sampleOrder({ currency: "JPY" });
    order.items = order.items.map((i) => ({ ...i, unitPrice: 1500 }));
    order.expenses = order.expenses.map((e) => ({
      ...e,
      amount: 800,
      byRate: [{ rate: 19, amount: 800 }],
    }));
    const { html, totals } = render(order);
    expect(totals.subtotal).toBe(2 * 1500 + 1500);
    expect(html).toContain("¥3,000");
    expect(html).toContain("¥800");
    expect(html).not.toContain("¥15.00");
    expect(html).toContain(`¥${(4500 + 800).toLocaleString("en-US")}`);
  });
});

describe("money and seller", () => {
  it("formats minor units with each currency's decimals", () => {
    expect(formatMoney(123456, "EUR")).toBe("€1,234.56");
    expect(formatMoney(123456, "JPY")).toBe("¥123,456");
    // Intl puts a no-break space between a currency code and the amount.
    expect(formatMoney(1234, "KWD")).toMatch(/^KWD\s1\.234$/);
    expect(formatMoney(0, "USD")).toBe("$0.00");
  });

  it("reads SELLER and names what is missing", () => {
    expect(parseSeller(JSON.stringify(seller))).toEqual(seller);
    expect(() => parseSeller("{")).toThrow(/not valid JSON/);
    expect(() => parseSeller(JSON.stringify({ name: "x" }))).toThrow(/address/);
  });
});
