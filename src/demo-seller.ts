/**
 * A demo seller for local runs and tests (`SELLER` is required for invoices and has no default
 * in wrangler.toml): `npm run dev` (.dev.vars.example), the test configurations and
 * `edge-oms/testing` set it. A VAT id, an electronic address, a contact, a SEPA account and
 * payment terms: enough for every VAT category and for the XRechnung profile.
 */
export const DEMO_SELLER = JSON.stringify({
  name: "Demo Shop GmbH",
  address: {
    address1: "Julie-Wolfthorn-Str. 1",
    zipCode: "10115",
    city: "Berlin",
    country: "DE",
  },
  vatId: "DE123456789",
  email: "billing@demo-shop.example",
  electronicAddress: { scheme: "EM", id: "billing@demo-shop.example" },
  contact: { name: "Demo Billing", phone: "+49 30 1234567", email: "billing@demo-shop.example" },
  bank: { iban: "DE02120300000000202051", bic: "BYLADEM1001", accountName: "Demo Shop GmbH" },
  legalRegistrationId: "HRB 123456 B",
  paymentTerms: {
    text: "Payable within 14 days of the invoice date without deduction.",
    dueDays: 14,
  },
});
