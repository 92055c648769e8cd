import type { PlaceOrderInput } from "../src/domain/inputs";

/** The customer's address in every test placement (billing and shipping). */
export const address = {
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "Julie-Wolfthorn-Str. 1",
  zipCode: "10115",
  city: "Berlin",
  country: "DE",
};

/** The buyer of every test placement (the reference differs where a test says so). */
export const customer = {
  reference: "customer-1",
  email: "ada@example.com",
  firstName: "Ada",
  lastName: "Lovelace",
};

/** `count` lines of `quantity` units each (SKU-1, SKU-2 ...), all into the shipment "home". */
export function orderLines(
  count = 2,
  { quantity = 2, splittable = true }: { quantity?: number; splittable?: boolean } = {},
): PlaceOrderInput["lines"] {
  return Array.from({ length: count }, (_, i) => ({
    sku: `SKU-${i + 1}`,
    name: `Product ${i + 1}`,
    quantity,
    unitPrice: 1190,
    taxRate: 19,
    isQuantitySplittable: splittable,
    shipment: "home",
  }));
}

let counter = 0;
/** A valid placement: `lines` lines of 2 units each, in one shipment unless told otherwise. */
export function orderInput(overrides: Partial<PlaceOrderInput> = {}, lines = 2): PlaceOrderInput {
  counter += 1;
  return {
    idempotencyKey: `key-${Date.now()}-${counter}-${Math.random()}`,
    customer: { ...customer },
    currency: "EUR",
    priceMode: "gross",
    paymentMethod: "prepayment",
    billingAddress: address,
    shipments: [
      {
        key: "home",
        address,
        method: { id: "dhl", name: "DHL Paket", carrier: "DHL", price: 490 },
      },
    ],
    lines: orderLines(lines),
    ...overrides,
  };
}
