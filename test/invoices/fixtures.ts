import { DEMO_SELLER } from "../../src/demo-seller";
import type { Address } from "../../src/domain/inputs";
import type { ExpenseView, ItemView, OrderView, ShipmentView } from "../../src/domain/order-view";
import { orderMoney } from "../../src/engine/money";
import { parseSeller } from "../../src/invoices/config";

const address = (over: Partial<Address> = {}): Address => ({
  firstName: "Ada",
  lastName: "Lovelace",
  address1: "1 Analytical Way",
  zipCode: "10115",
  city: "Berlin",
  country: "DE",
  ...over,
});

const item = (over: Partial<ItemView> & Pick<ItemView, "id" | "lineId">): ItemView => ({
  sku: `SKU-${over.lineId}`,
  name: `Product ${over.lineId}`,
  quantity: 1,
  unitPrice: 1000,
  taxRate: 19,
  taxCategory: "S",
  unitCode: "C62",
  isQuantitySplittable: true,
  shipmentId: "S1",
  state: "confirmed",
  stateDisplay: "confirmed",
  stateSince: "2026-01-01T00:00:00.000Z",
  flags: [],
  canceledAmount: 0,
  refundedAmount: 0,
  refundableAmount: 0,
  ...over,
});

const shipment = (over: Partial<ShipmentView> & Pick<ShipmentView, "id">): ShipmentView => ({
  address: address(),
  method: { id: "std", name: "Standard", carrier: "DHL", price: 490, taxRate: 19 },
  requestedDeliveryDate: null,
  expense: 490,
  tracking: null,
  itemIds: [],
  ...over,
});

const expense = (s: ShipmentView, over: Partial<ExpenseView> = {}): ExpenseView => ({
  type: "shipping",
  shipmentId: s.id,
  movedTo: null,
  method: s.method,
  address: s.address,
  amount: s.expense,
  byRate: [{ category: "S", rate: s.method.taxRate ?? 0, amount: s.expense }],
  status: "open",
  canceledAmount: 0,
  refundedAmount: 0,
  refundableAmount: s.expense,
  ...over,
});

/**
 * A hand-built order view with two tax rates, a line split into a billed and a cancelled item, a
 * fully cancelled line, and a second shipment whose items are all cancelled. Its totals are
 * computed by `withTotals` (orderMoney, as the order computes them) after any change a test makes.
 */
export function sampleOrder(over: Partial<OrderView> = {}): OrderView {
  const items = [
    // Line L1: 3 units, one of them cancelled (split item).
    item({
      id: "I1",
      lineId: "L1",
      quantity: 2,
      unitPrice: 1190,
      name: "Notebook A5",
      refundableAmount: 2380,
    }),
    item({
      id: "I2",
      lineId: "L1",
      quantity: 1,
      unitPrice: 1190,
      name: "Notebook A5",
      state: "cancelled",
      flags: ["cancelled"],
      canceledAmount: 1190,
    }),
    // Line L2: books at 7 %.
    item({
      id: "I3",
      lineId: "L2",
      quantity: 1,
      unitPrice: 2140,
      taxRate: 7,
      name: "Book",
      refundableAmount: 2140,
    }),
    // Line L3: entirely cancelled, alone in shipment S2.
    item({
      id: "I4",
      lineId: "L3",
      quantity: 4,
      unitPrice: 500,
      shipmentId: "S2",
      name: "Pencil",
      state: "cancelled",
      flags: ["cancelled"],
      canceledAmount: 2000,
    }),
  ];
  const s1 = shipment({ id: "S1", itemIds: ["I1", "I2", "I3"] });
  const s2 = shipment({
    id: "S2",
    itemIds: ["I4"],
    expense: 990,
    method: { id: "exp", name: "Express", price: 990, taxRate: 19 },
    address: address({ city: "Hamburg", zipCode: "20095" }),
  });
  const shipments = [s1, s2];
  return {
    reference: "ORD-TEST-1",
    version: 7,
    customerReference: "cust-1",
    customer: { email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" },
    customOrderReference: null,
    currency: "EUR",
    priceMode: "gross",
    paymentMethod: "invoice",
    process: "payment@1",
    placedAt: "2026-11-02T09:30:00.000Z",
    isCancellable: false,
    cancellableUntil: "2026-11-02T10:00:00.000Z",
    cancellationWindowClosedAt: null,
    itemStates: { confirmed: 3, cancelled: 5 },
    totals: {
      subtotal: 0,
      expenseTotal: 0,
      discountTotal: 0,
      taxTotal: 0,
      grandTotal: 0,
      canceledTotal: 0,
      refundedTotal: 0,
      refundableTotal: 0,
      taxByRate: [],
      billable: {
        subtotal: 0,
        expenseTotal: 0,
        discountTotal: 0,
        taxTotal: 0,
        grandTotal: 0,
        taxByRate: [],
      },
    },
    billingAddress: address({ company: "Engines Ltd", email: "ap@engines.example" }),
    shipments,
    items,
    expenses: [
      expense(s1),
      expense(s2, { status: "canceled", canceledAmount: 990, refundableAmount: 0 }),
    ],
    buyer: null,
    taxExemptions: {},
    invoice: null,
    ...over,
  };
}

/** The view's totals from its items and expenses, as the order object computes them. */
export function withTotals(order: OrderView): OrderView {
  const money = orderMoney(order);
  return {
    ...order,
    totals: {
      ...money.totals,
      canceledTotal: money.canceledTotal,
      refundedTotal: money.refundedTotal,
      refundableTotal: money.refundableTotal,
      billable: money.billable,
    },
  };
}

export const seller = parseSeller(DEMO_SELLER);
