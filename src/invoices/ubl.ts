import { currencyExponent, decimal, type TaxCategory } from "../domain/einvoice";
import type { Address } from "../domain/inputs";
import type { DocumentType } from "../domain/invoices";
import type { OrderView } from "../domain/order-view";
import { ConfigurationError, type EinvoiceProfile, type PaymentMeans, type Seller } from "./config";
import type { DocumentContent, DocumentLine } from "./content";
import { type Child, document, e, el, type Xml } from "./xml";

// The structured e-invoice: a UBL 2.1 Invoice (type 380) or CreditNote (type 381) conforming to
// EN 16931, built from the same content as the printable document. Element order follows the
// UBL 2.1 schema; the business terms (BT-n) are named beside the elements that carry them.

export const EN16931 = "urn:cen.eu:en16931:2017";
export const XRECHNUNG = `${EN16931}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0`;
export const UBL_CONTENT_TYPE = "application/xml";

/** Everything one document says. */
export interface DocumentFacts {
  type: DocumentType;
  /** The number as printed, e.g. `Invoice-17` (or a slot the number fills in later). */
  reference: string;
  issuedAt: string;
  order: OrderView;
  content: DocumentContent;
  seller: Seller;
  paymentMeans: PaymentMeans;
  profile: EinvoiceProfile;
  /** Whether the billed amount was paid before the invoice (BT-113 = BT-112). */
  prepaid: boolean;
  /** A credit note's invoice (BT-25, BT-26). */
  invoice?: { reference: string; issuedAt: string } | undefined;
  /** When the covered goods were shipped (BT-72), if they were. */
  deliveredAt?: string | undefined;
}

/** The day of an ISO time (UTC). */
const day = (iso: string) => iso.slice(0, 10);

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Credit transfer codes that need the payee's account (BR-61). */
const CREDIT_TRANSFER = new Set(["30", "58"]);

/** What the rules demand of the seller for these categories and this profile; throws if unmet. */
export function checkSeller(
  seller: Seller,
  categories: ReadonlySet<TaxCategory>,
  facts: { profile: EinvoiceProfile; means: PaymentMeans | null; amountDue: boolean },
) {
  const need = (field: string, why: string) => {
    throw new ConfigurationError(`SELLER.${field} is required: ${why} (docs/invoices.md)`);
  };
  const onlyO = categories.size > 0 && [...categories].every((c) => c === "O");
  if (onlyO) {
    if (!seller.taxNumber && !seller.legalRegistrationId)
      need(
        "taxNumber",
        "a document not subject to VAT (O) names the seller by taxNumber or legalRegistrationId",
      );
  } else {
    for (const c of ["AE", "K", "G"] as const)
      if (categories.has(c) && !seller.vatId)
        need(
          "vatId",
          `VAT category ${c} needs the seller's VAT id (BR-${c === "K" ? "IC" : c}-02)`,
        );
    if (!seller.vatId && !seller.taxNumber)
      need("vatId", "a document with VAT needs the seller's VAT id or taxNumber (BR-S-02)");
  }
  if (facts.means && CREDIT_TRANSFER.has(facts.means.code) && !seller.bank)
    need("bank", `payment means ${facts.means.code} (credit transfer) needs the IBAN (BR-61)`);
  if (facts.amountDue && !seller.paymentTerms)
    need("paymentTerms", "an invoice with an amount due needs a due date or terms (BR-CO-25)");
  if (facts.profile === "xrechnung" && !seller.contact)
    need("contact", "XRechnung needs the seller's contact name, phone and e-mail (BR-DE-2)");
}

/** The UBL 2.1 document (Invoice or CreditNote) of `facts`, as XML text. */
export function ublDocument(facts: DocumentFacts): string {
  const { type, order, content, seller, profile } = facts;
  const invoice = type === "invoice";
  const exponent = currencyExponent(order.currency);
  if (exponent === null) throw new Error(`currency ${order.currency} cannot be invoiced`);
  const currencyID = order.currency;
  const amount = (name: string, minor: number) =>
    el(name, { currencyID }, decimal(minor, exponent));

  const categories = new Set(content.breakdown.map((b) => b.category));
  const onlyO = categories.size > 0 && [...categories].every((c) => c === "O");
  const totals = content.totals;
  const taxExclusive = content.lineNet + content.chargeNet;
  const taxInclusive = totals.grandTotal;
  const prepaid = invoice && facts.prepaid ? taxInclusive : 0;
  const payable = taxInclusive - prepaid;
  // Credit notes carry no seller account (the money goes the other way); XRechnung wants payment
  // instructions on every document (BR-DE-1), so theirs say "not defined" (UNCL4461 1).
  const means = invoice
    ? facts.paymentMeans
    : profile === "xrechnung"
      ? { code: "1", prepaid: false }
      : null;
  checkSeller(seller, categories, { profile, means, amountDue: invoice && payable > 0 });

  const issueDate = day(facts.issuedAt);
  const dueDate =
    invoice && payable > 0 && seller.paymentTerms
      ? addDays(issueDate, seller.paymentTerms.dueDays)
      : undefined;
  const buyer = order.buyer ?? {};
  const billing = order.billingAddress;
  const personName = `${billing.firstName} ${billing.lastName}`;
  const firstShipment = order.shipments[0];
  // BG-14: an intra-community supply needs a delivery date or a period (BR-IC-11); XRechnung
  // wants one of them on every document (BR-DE-TMP-32). The period runs from order to issue.
  const period = categories.has("K") || (profile === "xrechnung" && !facts.deliveredAt);

  const taxCategory = (name: string, category: TaxCategory, rate: number, extra: Child[] = []) =>
    e(
      name,
      e("cbc:ID", category),
      category === "O" ? null : e("cbc:Percent", rateText(rate)),
      extra,
      e("cac:TaxScheme", e("cbc:ID", "VAT")),
    );
  const postalAddress = (
    a: Pick<Address, "address1" | "address2" | "zipCode" | "city" | "country">,
  ) =>
    e(
      "cac:PostalAddress",
      e("cbc:StreetName", a.address1),
      e("cbc:AdditionalStreetName", a.address2),
      e("cbc:CityName", a.city),
      e("cbc:PostalZone", a.zipCode),
      e("cac:Country", e("cbc:IdentificationCode", a.country)),
    );
  const partyTaxScheme = (companyId: string | undefined, scheme: string) =>
    companyId
      ? e(
          "cac:PartyTaxScheme",
          e("cbc:CompanyID", companyId),
          e("cac:TaxScheme", e("cbc:ID", scheme)),
        )
      : null;

  const contact = seller.contact ?? { name: undefined, phone: seller.phone, email: seller.email };
  const supplier = e(
    "cac:AccountingSupplierParty",
    e(
      "cac:Party",
      el(
        "cbc:EndpointID",
        { schemeID: seller.electronicAddress.scheme },
        seller.electronicAddress.id,
      ),
      postalAddress(seller.address),
      // O: "not subject to VAT" documents carry no VAT id (BR-O-02).
      onlyO ? null : partyTaxScheme(seller.vatId, "VAT"),
      partyTaxScheme(seller.taxNumber, "FC"),
      e(
        "cac:PartyLegalEntity",
        e("cbc:RegistrationName", seller.name),
        e("cbc:CompanyID", seller.legalRegistrationId),
      ),
      e(
        "cac:Contact",
        e("cbc:Name", contact.name),
        e("cbc:Telephone", contact.phone),
        e("cbc:ElectronicMail", contact.email),
      ),
    ),
  );
  const buyerAddress = buyer.electronicAddress ?? {
    scheme: "EM",
    id: billing.email ?? order.customer.email,
  };
  const customer = e(
    "cac:AccountingCustomerParty",
    e(
      "cac:Party",
      el("cbc:EndpointID", { schemeID: buyerAddress.scheme }, buyerAddress.id),
      postalAddress(billing),
      onlyO ? null : partyTaxScheme(buyer.vatId, "VAT"),
      e("cac:PartyLegalEntity", e("cbc:RegistrationName", billing.company ?? personName)),
      e(
        "cac:Contact",
        e("cbc:Name", personName),
        e("cbc:Telephone", billing.phone),
        e("cbc:ElectronicMail", billing.email ?? order.customer.email),
      ),
    ),
  );
  const delivery = firstShipment
    ? e(
        "cac:Delivery",
        e("cbc:ActualDeliveryDate", facts.deliveredAt ? day(facts.deliveredAt) : undefined),
        e(
          "cac:DeliveryLocation",
          e(
            "cac:Address",
            e("cbc:StreetName", firstShipment.address.address1),
            e("cbc:AdditionalStreetName", firstShipment.address.address2),
            e("cbc:CityName", firstShipment.address.city),
            e("cbc:PostalZone", firstShipment.address.zipCode),
            e("cac:Country", e("cbc:IdentificationCode", firstShipment.address.country)),
          ),
        ),
        e(
          "cac:DeliveryParty",
          e(
            "cac:PartyName",
            e(
              "cbc:Name",
              firstShipment.address.company ??
                `${firstShipment.address.firstName} ${firstShipment.address.lastName}`,
            ),
          ),
        ),
      )
    : null;
  const paymentMeans = means
    ? e(
        "cac:PaymentMeans",
        e("cbc:PaymentMeansCode", means.code),
        e("cbc:PaymentID", invoice ? facts.reference : undefined),
        // Credit notes carry no seller account: the money goes the other way.
        invoice && seller.bank
          ? e(
              "cac:PayeeFinancialAccount",
              e("cbc:ID", seller.bank.iban),
              e("cbc:Name", seller.bank.accountName ?? seller.name),
              e("cac:FinancialInstitutionBranch", e("cbc:ID", seller.bank.bic)),
            )
          : null,
      )
    : null;
  const terms = invoice
    ? seller.paymentTerms?.text
    : `Credit for invoice ${facts.invoice?.reference ?? ""}: refunded to you or set off against open invoices.`;
  const charges = content.charges.map((c) =>
    e(
      "cac:AllowanceCharge",
      e("cbc:ChargeIndicator", "true"),
      e("cbc:AllowanceChargeReason", shippingReason(c.method, c.shipmentId)),
      amount("cbc:Amount", c.net),
      taxCategory("cac:TaxCategory", c.taxCategory, c.taxRate),
    ),
  );
  const taxTotal = e(
    "cac:TaxTotal",
    amount("cbc:TaxAmount", totals.taxTotal),
    content.breakdown.map((b) =>
      e(
        "cac:TaxSubtotal",
        amount("cbc:TaxableAmount", b.net),
        amount("cbc:TaxAmount", b.tax),
        taxCategory("cac:TaxCategory", b.category, b.rate, [
          e("cbc:TaxExemptionReasonCode", b.exemption?.code),
          e("cbc:TaxExemptionReason", b.exemption?.reason),
        ]),
      ),
    ),
  );
  const monetary = e(
    "cac:LegalMonetaryTotal",
    amount("cbc:LineExtensionAmount", content.lineNet),
    amount("cbc:TaxExclusiveAmount", taxExclusive),
    amount("cbc:TaxInclusiveAmount", taxInclusive),
    content.charges.length > 0 ? amount("cbc:ChargeTotalAmount", content.chargeNet) : null,
    prepaid > 0 ? amount("cbc:PrepaidAmount", prepaid) : null,
    amount("cbc:PayableAmount", payable),
  );
  const lineName = invoice ? "cac:InvoiceLine" : "cac:CreditNoteLine";
  const quantityName = invoice ? "cbc:InvoicedQuantity" : "cbc:CreditedQuantity";
  const lines = content.lines.map((l) =>
    e(
      lineName,
      e("cbc:ID", l.lineId),
      el(quantityName, { unitCode: l.unitCode }, String(l.quantity)),
      amount("cbc:LineExtensionAmount", l.net),
      e(
        "cac:Item",
        e("cbc:Name", l.name),
        e("cac:SellersItemIdentification", e("cbc:ID", l.sku)),
        taxCategory("cac:ClassifiedTaxCategory", l.taxCategory, l.taxRate),
      ),
      price(l, exponent, currencyID),
    ),
  );

  const root = el(
    invoice ? "Invoice" : "CreditNote",
    {
      xmlns: `urn:oasis:names:specification:ubl:schema:xsd:${invoice ? "Invoice" : "CreditNote"}-2`,
      "xmlns:cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "xmlns:cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    },
    e("cbc:CustomizationID", profile === "xrechnung" ? XRECHNUNG : EN16931),
    e("cbc:ID", facts.reference),
    e("cbc:IssueDate", issueDate),
    invoice ? e("cbc:DueDate", dueDate) : null,
    e(invoice ? "cbc:InvoiceTypeCode" : "cbc:CreditNoteTypeCode", invoice ? "380" : "381"),
    e("cbc:DocumentCurrencyCode", order.currency),
    // BT-10: the buyer's reference, else its own order reference, else ours.
    e("cbc:BuyerReference", buyer.reference ?? order.customOrderReference ?? order.reference),
    period
      ? e("cac:InvoicePeriod", e("cbc:StartDate", day(order.placedAt)), e("cbc:EndDate", issueDate))
      : null,
    // BT-13 (the buyer's order reference; "NA" when it has none) and BT-14 (ours).
    e(
      "cac:OrderReference",
      e("cbc:ID", order.customOrderReference ?? "NA"),
      e("cbc:SalesOrderID", order.reference),
    ),
    facts.invoice
      ? e(
          "cac:BillingReference",
          e(
            "cac:InvoiceDocumentReference",
            e("cbc:ID", facts.invoice.reference),
            e("cbc:IssueDate", day(facts.invoice.issuedAt)),
          ),
        )
      : null,
    supplier,
    customer,
    delivery,
    paymentMeans,
    e("cac:PaymentTerms", e("cbc:Note", terms)),
    charges,
    taxTotal,
    monetary,
    lines,
  );
  return document(root);
}

/** A rate as the document spells it: 19, 7, 5.5 (never 19.0 or 5.50000001). */
const rateText = (rate: number) => String(rate);

function shippingReason(
  method: { name: string; carrier?: string | undefined },
  shipmentId: string,
) {
  return `Shipping ${shipmentId}: ${method.carrier ? `${method.name} (${method.carrier})` : method.name}`;
}

/**
 * The net price (BT-146): the line's net divided by its quantity, at most 4 decimals. When 4
 * decimals cannot say it within half a minor unit over the whole quantity (gross prices with a
 * large quantity), the price is given for the whole quantity (BT-149 base quantity), which is
 * exact, so quantity x price = line net holds as Peppol's PEPPOL-EN16931-R120 asks.
 */
function price(l: DocumentLine, exponent: number, currencyID: string): Xml | null {
  const scale = 10n ** BigInt(4 - exponent);
  const quantity = BigInt(l.quantity);
  const scaled = BigInt(l.net) * scale;
  const rounded = (2n * scaled + quantity) / (2n * quantity);
  const error = rounded * quantity - scaled;
  const close = 2n * (error < 0n ? -error : error) <= scale;
  const priceAmount = close ? decimal4(rounded) : decimal(l.net, exponent);
  return e(
    "cac:Price",
    el("cbc:PriceAmount", { currencyID }, priceAmount),
    close ? null : el("cbc:BaseQuantity", { unitCode: l.unitCode }, String(l.quantity)),
  );
}

/** A count of 1/10,000 units as a decimal with its trailing zeros dropped (2.5, 2.7967, 3). */
function decimal4(units: bigint): string {
  const digits = units.toString().padStart(5, "0");
  return `${digits.slice(0, -4)}.${digits.slice(-4)}`.replace(/\.?0+$/, "");
}
