import { describe, expect, it } from "vitest";
import type { OrderView } from "../../src/domain/order-view";
import {
  ConfigurationError,
  parsePaymentMeans,
  parseProfile,
  parseSeller,
} from "../../src/invoices/config";
import { billedOf, documentContent } from "../../src/invoices/content";
import { htmlDocument } from "../../src/invoices/html";
import { type DocumentFacts, ublDocument } from "../../src/invoices/ubl";
import { escapeXml } from "../../src/invoices/xml";
import { escapeHtml, formatMoney } from "../../src/mail/html";
import { sampleOrder, seller, withTotals } from "./fixtures";

// The documents' content and rendering, pure (the e-invoice project validates whole documents
// issued by the running service against the official rules: test/einvoice/).

const facts = (order: OrderView, over: Partial<DocumentFacts> = {}): DocumentFacts => ({
  type: "invoice",
  reference: "Invoice-7",
  issuedAt: "2026-11-03T12:00:00.000Z",
  order,
  content: documentContent(order, billedOf(order)),
  seller,
  paymentMeans: { code: "58", prepaid: false },
  profile: "en16931",
  prepaid: false,
  ...over,
});

const content = (order: OrderView) => documentContent(order, billedOf(order));
const html = (order = withTotals(sampleOrder()), over: Partial<DocumentFacts> = {}) =>
  htmlDocument(facts(order, over));
const ubl = (order = withTotals(sampleOrder()), over: Partial<DocumentFacts> = {}) =>
  ublDocument(facts(order, over));

describe("what a document covers", () => {
  it("bills only items neither cancelled nor refunded, merged per order line", () => {
    const order = sampleOrder();
    const first = order.items[0]!;
    order.items.push({
      ...first,
      id: "I5",
      quantity: 1,
      state: "refunded",
      flags: ["shipped", "refunded", "final"],
    });
    const { lines } = content(withTotals(order));
    expect(lines).toEqual([
      expect.objectContaining({ lineId: "L1", quantity: 2, amount: 2380, taxRate: 19 }),
      expect.objectContaining({ lineId: "L2", quantity: 1, amount: 2140, taxRate: 7 }),
    ]);
  });

  it("does not bill the shipping of a shipment whose items are all cancelled", () => {
    expect(content(withTotals(sampleOrder())).charges.map((c) => c.shipmentId)).toEqual(["S1"]);
  });

  it("bills the shipping of a removed shipment, which follows the shipment its items went to", () => {
    const order = sampleOrder();
    const s1 = order.expenses[0]!;
    order.expenses.push({
      ...s1,
      shipmentId: "S3",
      movedTo: "S1",
      amount: 300,
      byRate: [{ category: "S", rate: 19, amount: 300 }],
      refundableAmount: 300,
    });
    const c = content(withTotals(order));
    expect(c.charges.map((x) => x.shipmentId)).toEqual(["S1", "S3"]);
    expect(c.totals.expenseTotal).toBe(490 + 300);
  });

  it("bills shipping split over two rates as one charge per rate", () => {
    const order = sampleOrder();
    order.expenses[0] = {
      ...order.expenses[0]!,
      byRate: [
        { category: "S", rate: 19, amount: 290 },
        { category: "S", rate: 7, amount: 200 },
      ],
    };
    const c = content(withTotals(order));
    expect(c.charges.map((x) => [x.taxRate, x.amount])).toEqual([
      [19, 290],
      [7, 200],
    ]);
    // 19 %: 2380 + 290 = 2670 gross; 7 %: 2140 + 200 = 2340 gross.
    expect(c.totals.taxByRate).toEqual([
      { category: "S", rate: 19, net: 2244, tax: 426 },
      { category: "S", rate: 7, net: 2187, tax: 153 },
    ]);
  });

  it("gross prices: net and tax once per class, the class net shared out so the lines add up to it", () => {
    const order = sampleOrder();
    // 3 x 3.33 at 19 %: 9.99 gross, tax 1.60, net 8.39 (not divisible by 3).
    order.items = [{ ...order.items[0]!, quantity: 3, unitPrice: 333 }, order.items[2]!];
    const c = content(withTotals(order));
    const nineteen = c.totals.taxByRate.find((r) => r.rate === 19)!;
    const parts = [...c.lines, ...c.charges].filter((p) => p.taxRate === 19);
    expect(parts.reduce((n, p) => n + p.net, 0)).toBe(nineteen.net);
    expect(c.lineNet + c.chargeNet).toBe(c.totals.grandTotal - c.totals.taxTotal);
  });

  it("net prices: a line's net is its amount; the tax is the order's share per class", () => {
    const c = content(withTotals(sampleOrder({ priceMode: "net" })));
    expect(c.lines.map((l) => l.net)).toEqual([2380, 2140]);
    // The order's 19 % tax is round(0.19 x (3570 + 2000 + 490 + 990)) = 1340, shared by net
    // amount: line L1 679 (of which its 2 billed units carry 453), shipping S1 93.
    expect(c.totals.taxByRate).toEqual([
      { category: "S", rate: 19, net: 2870, tax: 453 + 93 },
      { category: "S", rate: 7, net: 2140, tax: 150 },
    ]);
  });

  it("keeps Z and E at 0 % apart, each with its exemption", () => {
    const order = sampleOrder({
      taxExemptions: { E: { reason: "Exempt under § 4 Nr. 21 UStG" } },
    });
    order.items = order.items.map((i) =>
      i.lineId === "L2"
        ? { ...i, taxRate: 0, taxCategory: "E" }
        : { ...i, taxRate: 0, taxCategory: "Z" },
    );
    order.expenses[0] = {
      ...order.expenses[0]!,
      byRate: [{ category: "Z", rate: 0, amount: 490 }],
    };
    const c = content(withTotals(order));
    expect(c.breakdown).toEqual([
      {
        category: "E",
        rate: 0,
        net: 2140,
        tax: 0,
        exemption: { reason: "Exempt under § 4 Nr. 21 UStG" },
      },
      { category: "Z", rate: 0, net: 2380 + 490, tax: 0, exemption: undefined },
    ]);
  });
});

describe("the printable document", () => {
  it("shows seller, billing address, number, dates, order and billed lines", () => {
    const doc = html();
    expect(doc).toMatch(/^<!DOCTYPE html>/);
    for (const text of [
      "Demo Shop GmbH",
      "VAT ID DE123456789",
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
      "Shipping: Standard (DHL) to 10115 Berlin, DE",
      "€23.80",
      "€21.40",
      "€4.90",
      "€45.20",
      "€24.12",
      "€4.58",
      "€20.00",
      "€1.40",
      "€50.10",
      "IBAN DE02120300000000202051",
      "Due on November 17, 2026",
    ])
      expect(doc).toContain(text);
    expect(doc).not.toContain("Pencil");
    expect(doc).not.toContain("Express");
  });

  it("a credit note names itself and its invoice, and asks for no payment", () => {
    const doc = html(undefined, {
      type: "credit-note",
      reference: "CreditNote-3",
      invoice: { reference: "Invoice-7", issuedAt: "2026-11-03T12:00:00.000Z" },
    });
    expect(doc).toContain("<h1>Credit note</h1>");
    expect(doc).toContain("Invoice-7 of November 3, 2026");
    expect(doc).toContain("Total credited");
    expect(doc).not.toContain("IBAN");
  });

  it("escapes every value taken from the order", () => {
    const evil = `<script>alert("x")</script> & 'co'`;
    const order = sampleOrder({ customOrderReference: evil });
    const first = order.items[0]!;
    order.items[0] = { ...first, name: `<img src=x onerror=alert(1)>`, sku: `"><b>` };
    order.billingAddress = { ...order.billingAddress, company: "</address><h1>pwned</h1>" };
    const doc = html(withTotals(order));
    expect(doc).not.toContain("<script>");
    expect(doc).not.toContain("<img");
    expect(doc).not.toContain("<b>");
    expect(doc).not.toContain("<h1>pwned");
    expect(doc).toContain(escapeHtml(evil));
  });

  it("formats currencies without minor units, such as JPY, as whole amounts", () => {
    const order = sampleOrder({ currency: "JPY" });
    order.items = order.items.map((i) => ({ ...i, unitPrice: 1500 }));
    order.expenses = order.expenses.map((e) => ({
      ...e,
      amount: 800,
      byRate: [{ category: "S", rate: 19, amount: 800 }],
    }));
    const doc = html(withTotals(order));
    expect(doc).toContain("¥3,000");
    expect(doc).toContain("¥800");
    expect(doc).not.toContain("¥15.00");
  });
});

describe("the UBL document", () => {
  it("carries the figures in the currency's decimals, and escapes every value", () => {
    const order = sampleOrder({ customOrderReference: `PO <1> & "2"` });
    order.items = order.items.map((i) =>
      i.lineId === "L1" ? { ...i, name: "Tea & <biscuits>" } : i,
    );
    const xml = ubl(withTotals(order));
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Invoice xmlns=/);
    expect(xml).toContain(`<cbc:ID>${escapeXml(`PO <1> & "2"`)}</cbc:ID>`);
    expect(xml).toContain("<cbc:Name>Tea &amp; &lt;biscuits&gt;</cbc:Name>");
    expect(xml).toContain(
      '<cbc:TaxInclusiveAmount currencyID="EUR">50.10</cbc:TaxInclusiveAmount>',
    );
    expect(xml).toContain("<cbc:DueDate>2026-11-17</cbc:DueDate>");
  });

  it("a net price that 4 decimals cannot say exactly is given for the whole quantity", () => {
    const order = sampleOrder();
    // 3 x 3.33 gross at 19 %: net 8.39, 2.79666… a unit, 2.7967 within half a cent over 3.
    order.items = [{ ...order.items[0]!, quantity: 3, unitPrice: 333 }];
    order.expenses = [];
    expect(ubl(withTotals(order))).toContain(
      '<cbc:PriceAmount currencyID="EUR">2.7967</cbc:PriceAmount>',
    );
    // 999,999 x 3.33: 4 decimals would be cents off over the quantity; the base quantity is exact.
    order.items = [{ ...order.items[0]!, quantity: 999_999, unitPrice: 333 }];
    const big = ubl(withTotals(order));
    expect(big).toContain('<cbc:BaseQuantity unitCode="C62">999999</cbc:BaseQuantity>');
  });

  it("needs what the rules need of the seller, or names the field before any number is taken", () => {
    const order = withTotals(sampleOrder({ buyer: { vatId: "FR12345678901" } }));
    const { vatId: _v, ...noVatId } = seller;
    order.items = order.items.map((i) => ({ ...i, taxRate: 0, taxCategory: "AE" }));
    expect(() => ubl(withTotals(order), { seller: noVatId })).toThrow(/SELLER.vatId is required/);
    const { paymentTerms: _t, ...noTerms } = seller;
    expect(() => ubl(undefined, { seller: noTerms })).toThrow(/SELLER.paymentTerms is required/);
    const { bank: _b, ...noBank } = seller;
    expect(() => ubl(undefined, { seller: noBank })).toThrow(/SELLER.bank is required/);
    const { contact: _c, ...noContact } = seller;
    expect(() => ubl(undefined, { seller: noContact, profile: "xrechnung" })).toThrow(
      /SELLER.contact is required/,
    );
  });
});

describe("configuration", () => {
  it("reads SELLER, and names what is missing or in the old format", () => {
    expect(parseSeller(JSON.stringify(seller))).toEqual(seller);
    expect(() => parseSeller(undefined)).toThrow(ConfigurationError);
    expect(() => parseSeller(undefined)).toThrow(/SELLER is not set/);
    expect(() => parseSeller("{")).toThrow(/not valid JSON/);
    expect(() =>
      parseSeller(
        JSON.stringify({ name: "x", address: "1 Street, Berlin", taxId: "DE1", email: "a@b.c" }),
      ),
    ).toThrow(/old format.*SELLER.address.*SELLER.electronicAddress/);
    expect(() => parseSeller(JSON.stringify({ ...seller, electronicAddress: undefined }))).toThrow(
      /electronicAddress/,
    );
    expect(() => parseSeller(JSON.stringify({ ...seller, bank: { iban: "not an iban" } }))).toThrow(
      /SELLER.bank.iban: must be an IBAN/,
    );
  });

  it("reads PAYMENT_MEANS and EINVOICE_PROFILE", () => {
    expect(parsePaymentMeans(undefined).prepayment).toEqual({ code: "58", prepaid: true });
    expect(() => parsePaymentMeans('{"invoice":{"code":"999","prepaid":false}}')).toThrow(
      /PAYMENT_MEANS.invoice.code/,
    );
    expect(parseProfile("xrechnung")).toBe("xrechnung");
    expect(() => parseProfile("zugferd")).toThrow(/EINVOICE_PROFILE/);
  });

  it("formats minor units with each currency's decimals", () => {
    expect(formatMoney(123456, "EUR")).toBe("€1,234.56");
    expect(formatMoney(123456, "JPY")).toBe("¥123,456");
    expect(formatMoney(0, "USD")).toBe("$0.00");
  });
});
