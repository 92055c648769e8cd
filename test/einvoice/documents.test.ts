/**
 * Every order shape the service invoices, issued by the running service (`wrangler dev`) and
 * validated the way a receiver validates it: the UBL 2.1 schema and CEN's EN 16931 business
 * rules from the conformance kit (./kit.ts), and with EINVOICE_PROFILE=xrechnung Germany's
 * XRechnung rules too. Totals are checked to the cent against the order's own figures (the
 * kit's BR-CO-17 tolerates a whole unit). A fixed set of documents: validation takes seconds each.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderClient, type OrderClient } from "../../src/client";
import type { MoneyTotals, OrderView } from "../../src/domain/order-view";
import { type E2EServer, mintToken, startServer } from "../e2e/server";
import { findings, loadValidator, validate } from "./kit";

type PlaceInput = Parameters<OrderClient["orders"]["place"]["mutate"]>[0];
type Line = PlaceInput["lines"][number];

const address = {
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "Main St 1",
  zipCode: "10115",
  city: "Berlin",
  country: "DE",
};

interface Service {
  server: E2EServer;
  checkout: OrderClient;
  bo: OrderClient;
}

async function start(vars: Record<string, string> = {}): Promise<Service> {
  const server = await startServer({
    vars: { INVOICE_RETRY_DELAY: "1 second", INVOICE_RETRY_MAX_DELAY: "2 seconds", ...vars },
    startupTimeoutMs: 90_000,
  });
  return {
    server,
    checkout: createOrderClient({ url: server.url, token: await mintToken("checkout", "shop") }),
    bo: createOrderClient({ url: server.url, token: await mintToken("backoffice", "einvoice") }),
  };
}

let counter = 0;
function order(over: Partial<PlaceInput> & { lines: Line[] }): PlaceInput {
  counter += 1;
  return {
    idempotencyKey: `einvoice-${Date.now()}-${counter}`,
    customer: { reference: "buyer-1", email: "buyer@example.com", firstName: "Ada", lastName: "L" },
    currency: "EUR",
    paymentMethod: "invoice",
    billingAddress: address,
    shipments: [{ key: "k1", address, method: { id: "dhl", name: "DHL", price: 490 } }],
    ...over,
  };
}

/** Waits for a state, polling the order (never a fixed sleep). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Pays and confirms every item (the window closed first, so nothing waits on it). */
async function confirm(s: Service, reference: string) {
  await s.bo.orders.closeCancellationWindow.mutate({ reference });
  for (const event of ["pay", "confirm"] as const)
    await s.bo.orders.trigger.mutate({ reference, event, target: { all: true } });
}

interface Issued {
  view: OrderView;
  reference: string;
  xml: string;
}

/** Requests the invoice and waits until the order records it; returns its UBL. */
async function invoice(s: Service, reference: string): Promise<Issued> {
  await s.bo.orders.trigger.mutate({ reference, event: "invoice-generate", target: { all: true } });
  const view = await until(
    () => s.bo.orders.get.query({ reference }),
    (v) => v.invoice !== null,
    `the invoice of ${reference}`,
  );
  const number = view.invoice?.reference ?? "";
  const doc = await s.bo.invoices.document.query({ reference: number, format: "ubl" });
  expect(doc.contentType).toBe("application/xml");
  return { view, reference: number, xml: doc.content };
}

/** Waits for the order's n-th credit note; returns its UBL. */
async function creditNote(s: Service, reference: string, n: number): Promise<Issued> {
  const view = await until(
    () => s.bo.orders.get.query({ reference }),
    (v) => (v.invoice?.creditNotes.length ?? 0) >= n,
    `credit note ${n} of ${reference}`,
  );
  const number = view.invoice?.creditNotes[n - 1]?.reference ?? "";
  const doc = await s.bo.invoices.document.query({ reference: number, format: "ubl" });
  return { view, reference: number, xml: doc.content };
}

let dumped = 0;

/** Valid for a receiver; EINVOICE_DUMP=<dir> also keeps each document there to read. */
async function expectValid(xml: string, options: { xrechnung?: boolean } = {}) {
  const dump = process.env.EINVOICE_DUMP;
  if (dump) {
    mkdirSync(dump, { recursive: true });
    const id = text(xml, "cbc:ID") ?? "document";
    writeFileSync(join(dump, `${String(++dumped).padStart(2, "0")}-${id}.xml`), xml);
  }
  const result = await validate(xml, options);
  expect(result.ok, findings(result)).toBe(true);
  return result;
}

// ---------------------------------------------------------------- reading a UBL document

const text = (xml: string, element: string) => {
  const match = new RegExp(`<${element}(?: [^>]*)?>([^<]*)</${element}>`).exec(xml);
  return match?.[1];
};

/** A decimal amount as minor units of `exponent` decimals. */
const minor = (value: string | undefined, exponent: number) => {
  if (value === undefined) return undefined;
  const [whole = "0", fraction = ""] = value.split(".");
  expect(fraction.length).toBeLessThanOrEqual(exponent);
  return Number(whole + fraction.padEnd(exponent, "0"));
};

interface Breakdown {
  category: string;
  rate: number;
  net: number;
  tax: number;
}

function totalsOf(xml: string, exponent = 2) {
  const amount = (element: string) => minor(text(xml, element), exponent);
  const breakdown: Breakdown[] = [
    ...xml.matchAll(/<cac:TaxSubtotal>([\s\S]*?)<\/cac:TaxSubtotal>/g),
  ].map(([, sub = ""]) => ({
    category: text(sub, "cbc:ID") ?? "",
    rate: Number(text(sub, "cbc:Percent") ?? 0),
    net: minor(text(sub, "cbc:TaxableAmount"), exponent) ?? Number.NaN,
    tax: minor(text(sub, "cbc:TaxAmount"), exponent) ?? Number.NaN,
  }));
  return {
    taxExclusive: amount("cbc:TaxExclusiveAmount"),
    taxInclusive: amount("cbc:TaxInclusiveAmount"),
    prepaid: amount("cbc:PrepaidAmount") ?? 0,
    payable: amount("cbc:PayableAmount"),
    lineNet: amount("cbc:LineExtensionAmount"),
    breakdown,
  };
}

/** The document's totals are the figures' to the cent: BT-112, BT-109 and BG-23 per class. */
function expectTotals(xml: string, figures: MoneyTotals, exponent = 2) {
  const t = totalsOf(xml, exponent);
  expect(t.taxInclusive).toBe(figures.grandTotal);
  expect(t.taxExclusive).toBe(figures.grandTotal - figures.taxTotal);
  expect(t.breakdown).toEqual(
    figures.taxByRate.map((r) => ({ category: r.category, rate: r.rate, net: r.net, tax: r.tax })),
  );
  // Line net amounts add up to the lines' part of each class (BR-CO-10 checks the sum).
  const lineNets = [
    ...xml.matchAll(
      /<cac:(?:Invoice|CreditNote)Line>[\s\S]*?<cbc:LineExtensionAmount[^>]*>([^<]*)</g,
    ),
  ]
    .map(([, v]) => minor(v, exponent) ?? 0)
    .reduce((a, b) => a + b, 0);
  expect(lineNets).toBe(t.lineNet);
  return t;
}

// ---------------------------------------------------------------- the documents

describe("e-invoices (EN 16931) from the running service, validated by the official rules", () => {
  let s: Service;
  beforeAll(async () => {
    await loadValidator();
    s = await start({ CLOCK: "adjustable" });
  });
  afterAll(() => s?.server.stop());

  it("the validator refuses what a receiver refuses (a control: these tests can fail)", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        lines: [{ sku: "A", name: "A", quantity: 1, unitPrice: 1000, taxRate: 19, shipment: "k1" }],
      }),
    );
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    await expectValid(xml);
    const noDate = await validate(xml.replace(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/, ""));
    expect(noDate.fatal.map((f) => f.id)).toContain("BR-03");
    // Element order is the schema's business: a swap passes the rules and fails the schema.
    const swapped = xml.replace(
      /(<cbc:IssueDate>[^<]*<\/cbc:IssueDate>)(<cbc:DueDate>[^<]*<\/cbc:DueDate>)/,
      "$2$1",
    );
    expect(swapped).not.toBe(xml);
    expect((await validate(swapped)).schemaErrors.length).toBeGreaterThan(0);
    // A tax amount one cent off passes BR-CO-17 (it tolerates a unit): the figures must catch it.
    const cent = xml.replace(
      /(<cac:TaxSubtotal><cbc:TaxableAmount[^>]*>[^<]*<\/cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">)([0-9]+)\.([0-9]{2})/,
      (_m, head: string, whole: string, cents: string) =>
        `${head}${whole}.${String(Number(cents) + 1).padStart(2, "0")}`,
    );
    expect(cent).not.toBe(xml);
    expect((await validate(cent)).fatal.map((f) => f.id)).not.toContain("BR-CO-17");
    expect(() => expectTotals(cent, view.totals.billable)).toThrow();
  });

  it("a consumer order, gross prices, awkward amounts (3 x 3.33 at 19 %, 7 x 1.99 at 7 %), prepaid", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        paymentMethod: "prepayment",
        lines: [
          { sku: "MUG", name: "Mug", quantity: 3, unitPrice: 333, taxRate: 19, shipment: "k1" },
          { sku: "TEA", name: "Tea", quantity: 7, unitPrice: 199, taxRate: 7, shipment: "k1" },
        ],
      }),
    );
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    await expectValid(xml);
    const t = expectTotals(xml, view.totals.billable);
    expect(t.taxInclusive).toBe(999 + 1393 + 490);
    // Paid before the invoice: nothing due, so no due date.
    expect(t.prepaid).toBe(t.taxInclusive);
    expect(t.payable).toBe(0);
    expect(text(xml, "cbc:DueDate")).toBeUndefined();
    expect(text(xml, "cbc:BuyerReference")).toBe(placed.reference);
  });

  it("B2B, net prices, two rates, shipping over two shipments, amount due with due date and terms", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        priceMode: "net",
        customOrderReference: "PO-4711",
        billingAddress: { ...address, company: "Buyer AG" },
        buyer: {
          vatId: "DE 987 654 321",
          reference: "04011000-12345-67",
          electronicAddress: { scheme: "0204", id: "04011000-12345-67" },
        },
        shipments: [
          { key: "k1", address, method: { id: "fr", name: "Freight", price: 990, taxRate: 19 } },
          { key: "k2", address, method: { id: "dhl", name: "DHL", carrier: "DHL", price: 590 } },
        ],
        lines: [
          {
            sku: "DESK",
            name: "Desk",
            quantity: 10,
            unitPrice: 19999,
            taxRate: 19,
            shipment: "k1",
          },
          {
            sku: "BOOK",
            name: "Manual",
            quantity: 5,
            unitPrice: 1234,
            taxRate: 7,
            unitCode: "H87",
            allocations: [
              { shipment: "k1", quantity: 2 },
              { shipment: "k2", quantity: 3 },
            ],
          },
          { sku: "PEN", name: "Pen", quantity: 3, unitPrice: 333, taxRate: 19, shipment: "k2" },
        ],
      }),
    );
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    await expectValid(xml);
    const t = expectTotals(xml, view.totals.billable);
    expect(t.payable).toBe(t.taxInclusive);
    expect(text(xml, "cbc:BuyerReference")).toBe("04011000-12345-67");
    expect(xml).toContain("<cac:OrderReference><cbc:ID>PO-4711</cbc:ID>");
    expect(xml).toContain("<cbc:CompanyID>DE987654321</cbc:CompanyID>");
    const issued = text(xml, "cbc:IssueDate") ?? "";
    const due = new Date(Date.parse(`${issued}T00:00:00Z`) + 14 * 86_400_000).toISOString();
    expect(text(xml, "cbc:DueDate")).toBe(due.slice(0, 10));
    expect(text(xml, "cbc:PaymentMeansCode")).toBe("58");
    expect(xml).toContain("<cbc:ID>DE02120300000000202051</cbc:ID>");
    // Net prices: every line's net price is its unit price.
    expect(xml).toContain('<cbc:PriceAmount currencyID="EUR">199.99</cbc:PriceAmount>');
  });

  it("reverse charge (AE) to a French business, and an intra-community supply (K) to an Austrian one", async () => {
    const fr = {
      ...address,
      company: "Acheteur SARL",
      city: "Paris",
      zipCode: "75001",
      country: "FR",
    };
    const ae = await s.checkout.orders.place.mutate(
      order({
        priceMode: "net",
        billingAddress: fr,
        buyer: { vatId: "FR12345678901" },
        shipments: [{ key: "k1", address: fr, method: { id: "dhl", name: "DHL", price: 1500 } }],
        lines: [
          {
            sku: "SVC",
            name: "Installation",
            quantity: 2,
            unitPrice: 45000,
            taxRate: 0,
            taxCategory: "AE",
            taxExemptionReasonCode: "VATEX-EU-AE",
            taxExemptionReason: "Reverse charge",
            shipment: "k1",
          },
        ],
      }),
    );
    const at = { ...address, company: "Käufer GmbH", city: "Wien", zipCode: "1010", country: "AT" };
    const k = await s.checkout.orders.place.mutate(
      order({
        priceMode: "net",
        billingAddress: at,
        buyer: { vatId: "ATU12345678" },
        shipments: [{ key: "k1", address: at, method: { id: "dhl", name: "DHL", price: 2500 } }],
        lines: [
          {
            sku: "PALLET",
            name: "Pallet of bricks",
            quantity: 1,
            unitPrice: 120000,
            taxRate: 0,
            taxCategory: "K",
            taxExemptionReasonCode: "VATEX-EU-IC",
            isQuantitySplittable: false,
            shipment: "k1",
          },
        ],
      }),
    );
    for (const placed of [ae, k]) {
      await confirm(s, placed.reference);
      const { view, xml } = await invoice(s, placed.reference);
      await expectValid(xml);
      expectTotals(xml, view.totals.billable);
      expect(view.totals.billable.taxTotal).toBe(0);
    }
  });

  it("zero-rated (Z), exempt (E) and standard lines in one order; not subject to VAT (O) in another", async () => {
    const mixed = await s.checkout.orders.place.mutate(
      order({
        lines: [
          { sku: "S", name: "Standard", quantity: 1, unitPrice: 1190, taxRate: 19, shipment: "k1" },
          {
            sku: "Z",
            name: "Zero rated",
            quantity: 2,
            unitPrice: 500,
            taxRate: 0,
            taxCategory: "Z",
            shipment: "k1",
          },
          {
            sku: "E",
            name: "Exempt course",
            quantity: 1,
            unitPrice: 9900,
            taxRate: 0,
            taxCategory: "E",
            taxExemptionReason: "Exempt under § 4 Nr. 21 UStG",
            shipment: "k1",
          },
        ],
      }),
    );
    const o = await s.checkout.orders.place.mutate(
      order({
        lines: [
          {
            sku: "O",
            name: "Membership fee",
            quantity: 1,
            unitPrice: 5000,
            taxRate: 0,
            taxCategory: "O",
            taxExemptionReasonCode: "VATEX-EU-O",
            shipment: "k1",
          },
        ],
      }),
    );
    for (const placed of [mixed, o]) {
      await confirm(s, placed.reference);
      const { view, xml } = await invoice(s, placed.reference);
      await expectValid(xml);
      expectTotals(xml, view.totals.billable);
    }
  });

  it("an emptied shipment: its shipping stays billed, following the shipment its items went to", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        shipments: [
          { key: "k1", address, method: { id: "a", name: "A", price: 490 } },
          { key: "k2", address, method: { id: "b", name: "B", price: 390 } },
        ],
        lines: [
          { sku: "A", name: "A", quantity: 1, unitPrice: 1999, taxRate: 19, shipment: "k1" },
          { sku: "B", name: "B", quantity: 2, unitPrice: 999, taxRate: 7, shipment: "k2" },
        ],
      }),
    );
    const b = placed.items.find((i) => i.sku === "B");
    await s.bo.shipments.moveItems.mutate({
      reference: placed.reference,
      toShipmentId: "S1",
      items: [{ id: b?.id ?? "" }],
    });
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    expect(view.shipments.map((x) => x.id)).toEqual(["S1"]);
    await expectValid(xml);
    expectTotals(xml, view.totals.billable);
    expect(view.totals.billable.expenseTotal).toBe(490 + 390);
  });

  it("JPY: amounts with no decimals", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        currency: "JPY",
        billingAddress: { ...address, city: "Tokyo", zipCode: "100-0001", country: "JP" },
        shipments: [{ key: "k1", address, method: { id: "yamato", name: "Yamato", price: 500 } }],
        lines: [
          { sku: "TEA", name: "Matcha", quantity: 3, unitPrice: 1000, taxRate: 10, shipment: "k1" },
        ],
      }),
    );
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    await expectValid(xml);
    expectTotals(xml, view.totals.billable, 0);
    expect(xml).toContain('<cbc:TaxInclusiveAmount currencyID="JPY">3500</cbc:TaxInclusiveAmount>');
  });

  it("a 1,000-line invoice (validating 10,000 lines takes more than a minute: the bench does it)", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        lines: Array.from({ length: 1000 }, (_, i) => ({
          sku: `SKU-${i + 1}`,
          name: `Product ${i + 1}`,
          quantity: 1 + (i % 3),
          unitPrice: 333 + i,
          taxRate: i % 2 ? 19 : 7,
          shipment: "k1",
        })),
      }),
    );
    await confirm(s, placed.reference);
    const { view, xml } = await invoice(s, placed.reference);
    await expectValid(xml);
    expectTotals(xml, view.totals.billable);
    expect(xml.match(/<cac:InvoiceLine>/g)).toHaveLength(1000);
  });

  it("credit notes: a partial cancel, then a refund with the shipping that went back; invoice − credits = what the order charges", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        priceMode: "net",
        shipments: [
          { key: "k1", address, method: { id: "a", name: "A", price: 490 } },
          { key: "k2", address, method: { id: "b", name: "B", price: 690 } },
        ],
        lines: [
          { sku: "A", name: "A", quantity: 3, unitPrice: 333, taxRate: 19, shipment: "k1" },
          { sku: "B", name: "B", quantity: 2, unitPrice: 1999, taxRate: 7, shipment: "k2" },
        ],
      }),
    );
    const reference = placed.reference;
    await confirm(s, reference);
    const issued = await invoice(s, reference);
    await expectValid(issued.xml);
    expectTotals(issued.xml, issued.view.totals.billable);

    // One unit of A cancelled after the invoice: credit note 1.
    const a = issued.view.items.find((i) => i.sku === "A");
    await s.bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: a?.id ?? "", quantity: 1 }] },
    });
    const first = await creditNote(s, reference, 1);
    await expectValid(first.xml);
    expect(first.xml).toContain(
      `<cac:InvoiceDocumentReference><cbc:ID>${issued.reference}</cbc:ID>`,
    );
    expect(text(first.xml, "cbc:CreditNoteTypeCode")).toBe("381");
    expect(text(first.xml, "cbc:CreditedQuantity")).toBe("1");

    // Shipment S2 shipped, delivered, returned and refunded: B and its shipping go back.
    for (const event of ["ship", "deliver", "return", "refund"] as const)
      await s.bo.orders.trigger.mutate({ reference, event, target: { shipmentId: "S2" } });
    const second = await creditNote(s, reference, 2);
    await expectValid(second.xml);
    expect(second.xml).toContain("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>");

    const view = second.view;
    const history = await s.bo.orders.history.query({ reference });
    const credits = history.filter((h) => h.type === "credit-note-issued");
    expect(credits).toHaveLength(2);
    const total = (xml: string) => totalsOf(xml).taxInclusive ?? Number.NaN;
    expect(total(issued.xml) - total(first.xml) - total(second.xml)).toBe(
      view.totals.refundableTotal,
    );
    // Each credit note is exactly the money its history entry moved, tax per class included.
    for (const [i, doc] of [first, second].entries()) {
      const moved = history.find((h) => "seq" in h && h.seq === credits[i]?.data?.key);
      expect(totalsOf(doc.xml).taxInclusive).toBe(moved?.data?.amount);
    }
  });
});

describe("the XRechnung 3.0 profile (EINVOICE_PROFILE=xrechnung): Germany's rules on top", () => {
  let s: Service;
  beforeAll(async () => {
    await loadValidator();
    s = await start({ CLOCK: "adjustable", EINVOICE_PROFILE: "xrechnung" });
  });
  afterAll(() => s?.server.stop());

  it("an invoice to a public buyer (Leitweg-ID) and its credit note pass BR-DE-* as well", async () => {
    const placed = await s.checkout.orders.place.mutate(
      order({
        priceMode: "net",
        billingAddress: { ...address, company: "Stadt Musterhausen" },
        buyer: {
          reference: "991-01234-56",
          electronicAddress: { scheme: "0204", id: "991-01234-56" },
        },
        lines: [
          { sku: "A", name: "Chair", quantity: 4, unitPrice: 8900, taxRate: 19, shipment: "k1" },
          { sku: "B", name: "Guide", quantity: 2, unitPrice: 1500, taxRate: 7, shipment: "k1" },
        ],
      }),
    );
    const reference = placed.reference;
    await confirm(s, reference);
    const issued = await invoice(s, reference);
    const checked = await expectValid(issued.xml, { xrechnung: true });
    expect(checked.xrechnung?.warnings.map((w) => w.id)).not.toContain("BR-DE-21");
    expect(text(issued.xml, "cbc:CustomizationID")).toBe(
      "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    );
    expectTotals(issued.xml, issued.view.totals.billable);
    const chair = issued.view.items.find((i) => i.sku === "A");
    await s.bo.orders.trigger.mutate({
      reference,
      event: "cancel",
      target: { items: [{ id: chair?.id ?? "", quantity: 1 }] },
    });
    const credit = await creditNote(s, reference, 1);
    await expectValid(credit.xml, { xrechnung: true });
  });
});
