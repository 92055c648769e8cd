import { z } from "zod";
import { parseDuration } from "./duration";
import {
  buyer,
  categoryFor,
  categoryRateProblem,
  currencyExponent,
  exemptionFields,
  isCountry,
  NEEDS_BUYER_VAT_ID,
  NEEDS_EXEMPTION,
  type TaxCategory,
  unitCode,
} from "./einvoice";
import { limits } from "./limits";
import { triggerEvents } from "./processes";
import { codePoints, customOrderReference, email, requiredText, text, wellFormed } from "./text";

export const money = z.number().int().min(0).max(limits.maxUnitPrice);
export const currency = wellFormed().refine(
  (c) => currencyExponent(c) !== null,
  "must be an ISO 4217 code with at most 2 decimals, such as EUR or JPY",
);
export const taxRate = z.number().min(0).max(100);
export const isoDate = z.iso.date();
export const idempotencyKey = requiredText(limits.maxIdempotencyKeyLength);
export const orderReference = requiredText(64);

/** How an ERP (or an import row) names an order: ours, or the buyer's own reference. */
export const erpOrderRef = z
  .union([
    z.strictObject({ reference: orderReference }),
    z.strictObject({ customOrderReference: requiredText(255) }),
  ])
  .meta({ id: "ErpOrderRef", description: "Our order reference, or the buyer's own." });
export const expectedVersion = z.number().int().min(0);

export const address = z.strictObject({
  firstName: requiredText(100),
  lastName: requiredText(100),
  company: text(255).optional(),
  address1: requiredText(255),
  address2: text(255).optional(),
  zipCode: requiredText(20),
  city: requiredText(100),
  country: wellFormed().refine(isCountry, "must be an ISO 3166-1 alpha-2 code such as DE"),
  phone: text(50).optional(),
  email: email().optional(),
});
export type Address = z.infer<typeof address>;

export const method = z.strictObject({
  id: requiredText(100),
  name: requiredText(255),
  carrier: text(100).optional(),
  price: money,
  /**
   * Tax rate of the shipping expense. Without it, placement taxes shipping at the rates of the
   * goods the shipment carries (split in proportion when they mix rates). Fixed at placement:
   * an update of the method later does not re-tax an expense already charged.
   */
  taxRate: taxRate.optional(),
  /**
   * VAT category of the shipping (and its exemption): without it, shipping takes the category
   * of the goods it carries, split per category and rate as it is per rate.
   */
  ...exemptionFields,
});
export type Method = z.infer<typeof method>;

export const quantity = z.number().int().min(1).max(limits.maxQuantity);

const lineInput = z.strictObject({
  sku: requiredText(100),
  name: requiredText(255),
  quantity,
  unitPrice: money,
  taxRate,
  isQuantitySplittable: z.boolean().default(true),
  /** UN/ECE Recommendation 20/21 unit of the quantity; default C62 (one, a piece). */
  unitCode: unitCode.optional(),
  ...exemptionFields,
  shipment: requiredText(100).optional(),
  allocations: z
    .array(z.strictObject({ shipment: requiredText(100), quantity }))
    .min(1)
    .max(limits.maxShipments)
    .optional(),
});

/** The characters an item of this line shows (SKU and name, in code points). */
export const lineText = (line: { sku: string; name: string }) =>
  codePoints(line.sku) + codePoints(line.name);

export const placeOrderInput = z
  .strictObject({
    idempotencyKey,
    customer: z.strictObject({
      reference: requiredText(100),
      email: email(),
      firstName: requiredText(100),
      lastName: requiredText(100),
    }),
    currency,
    priceMode: z.enum(["gross", "net"]).default("gross"),
    paymentMethod: requiredText(50),
    billingAddress: address,
    /** The buyer's VAT id, buyer reference (BT-10) and electronic address, for the e-invoice. */
    buyer: buyer.optional(),
    customOrderReference: customOrderReference.optional(),
    shipments: z
      .array(
        z.strictObject({
          key: requiredText(100),
          address,
          method,
          requestedDeliveryDate: isoDate.optional(),
        }),
      )
      .min(1)
      .max(limits.maxShipments),
    lines: z.array(lineInput).min(1).max(limits.maxLines),
  })
  .superRefine((order, ctx) => {
    const keys = new Set<string>();
    order.shipments.forEach((s, i) => {
      if (keys.has(s.key))
        ctx.addIssue({ code: "custom", path: ["shipments", i, "key"], message: "duplicate key" });
      keys.add(s.key);
    });
    const used = new Set<string>();
    let items = 0;
    let itemText = 0;
    for (const line of order.lines) {
      const parts = line.allocations?.length ?? 1;
      items += parts;
      itemText += parts * lineText(line);
    }
    if (items > limits.maxItems)
      ctx.addIssue({
        code: "custom",
        path: ["lines"],
        message: `the lines make ${items} items (one per line and allocation); an order holds at most ${limits.maxItems}`,
      });
    if (itemText > limits.maxItemText)
      ctx.addIssue({
        code: "custom",
        path: ["lines"],
        message: `the items carry ${itemText} characters of SKU and name; an order holds at most ${limits.maxItemText}`,
      });
    // Every total stays an exact integer: each line is bounded by its quantity and unit price,
    // the order by maxOrderAmount (limits.ts).
    const amount = order.lines.reduce(
      (n, l) => n + l.quantity * l.unitPrice,
      order.shipments.reduce((n, s) => n + s.method.price, 0),
    );
    if (amount > limits.maxOrderAmount)
      ctx.addIssue({
        code: "custom",
        path: ["lines"],
        message: `lines and shipping add up to ${amount} minor units; an order may amount to at most ${limits.maxOrderAmount}`,
      });
    order.lines.forEach((line, i) => {
      const at = (...path: (string | number)[]) => ["lines", i, ...path];
      if ((line.shipment === undefined) === (line.allocations === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: at("shipment"),
          message: "a line needs exactly one of shipment or allocations",
        });
        return;
      }
      if (line.shipment !== undefined) {
        if (!keys.has(line.shipment))
          ctx.addIssue({ code: "custom", path: at("shipment"), message: "unknown shipment key" });
        used.add(line.shipment);
        return;
      }
      const allocations = line.allocations ?? [];
      if (!line.isQuantitySplittable && allocations.length > 1)
        ctx.addIssue({
          code: "custom",
          path: at("allocations"),
          message: "a non-splittable line cannot be spread over several shipments",
        });
      const seen = new Set<string>();
      allocations.forEach((a, j) => {
        if (!keys.has(a.shipment))
          ctx.addIssue({
            code: "custom",
            path: at("allocations", j, "shipment"),
            message: "unknown shipment key",
          });
        if (seen.has(a.shipment))
          ctx.addIssue({
            code: "custom",
            path: at("allocations", j, "shipment"),
            message: "shipment allocated twice",
          });
        seen.add(a.shipment);
        used.add(a.shipment);
      });
      const sum = allocations.reduce((n, a) => n + a.quantity, 0);
      if (sum !== line.quantity)
        ctx.addIssue({
          code: "custom",
          path: at("allocations"),
          message: `allocations add up to ${sum}, the line quantity is ${line.quantity}`,
        });
    });
    order.shipments.forEach((s, i) => {
      if (!used.has(s.key))
        ctx.addIssue({
          code: "custom",
          path: ["shipments", i],
          message: "shipment has no lines",
        });
    });
    checkVat(order, ctx);
  });
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

interface Taxed {
  taxRate?: number | undefined;
  taxCategory?: TaxCategory | undefined;
  taxExemptionReason?: string | undefined;
  taxExemptionReasonCode?: string | undefined;
}

/**
 * What EN 16931 demands of VAT categories, checked at placement (docs/invoices.md): a category
 * fits its rate, 0 % names its category, exempt categories say why (one reason per category in
 * an order: the reason belongs to the category's VAT breakdown), reverse charge and
 * intra-community supplies name the buyer's VAT id, "not subject to VAT" is all or nothing.
 */
function checkVat(
  order: {
    buyer?: { vatId?: string | undefined } | undefined;
    lines: Taxed[];
    shipments: { method: Taxed }[];
  },
  ctx: z.RefinementCtx,
) {
  const reasons = new Map<TaxCategory, string>();
  const categories = new Set<TaxCategory>();
  const check = (taxed: Taxed, rate: number | undefined, at: (string | number)[]) => {
    const issue = (field: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [...at, field], message });
    // Shipping without a rate or category follows its goods; nothing to check on its own.
    if (rate === undefined && taxed.taxCategory === undefined) return;
    const category = categoryFor(rate ?? 0, taxed.taxCategory);
    if (category === undefined) {
      issue("taxCategory", "a 0 % rate needs a VAT category (Z, E, AE, K, G or O)");
      return;
    }
    categories.add(category);
    const problem = categoryRateProblem(category, rate ?? 0);
    if (problem) issue("taxRate", problem);
    const { taxExemptionReason: reason, taxExemptionReasonCode: code } = taxed;
    if (NEEDS_EXEMPTION.has(category)) {
      if (!reason && !code)
        issue(
          "taxExemptionReason",
          `category ${category} needs taxExemptionReason or taxExemptionReasonCode`,
        );
      const said = JSON.stringify([reason ?? null, code ?? null]);
      const first = reasons.get(category);
      if (first === undefined) reasons.set(category, said);
      else if (first !== said)
        issue(
          "taxExemptionReason",
          `every line and shipping of category ${category} must give the same exemption reason and code`,
        );
    } else if (reason || code)
      issue("taxExemptionReason", `category ${category} takes no exemption reason`);
    if (NEEDS_BUYER_VAT_ID.has(category) && !order.buyer?.vatId)
      issue("taxCategory", `category ${category} needs the buyer's VAT id (buyer.vatId)`);
  };
  order.lines.forEach((line, i) => {
    check(line, line.taxRate, ["lines", i]);
  });
  order.shipments.forEach((s, i) => {
    check(s.method, s.method.taxRate, ["shipments", i, "method"]);
  });
  if (categories.has("O") && categories.size > 1)
    ctx.addIssue({
      code: "custom",
      path: ["lines"],
      message:
        "category O (not subject to VAT) must be the category of every line and of all shipping",
    });
}

export const itemSelection = z
  .array(z.strictObject({ id: requiredText(40), quantity: quantity.optional() }))
  .min(1)
  .max(limits.maxTargetItems);

export const target = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ shipmentId: requiredText(40) }),
  z.strictObject({ items: itemSelection }),
]);
export type Target = z.infer<typeof target>;

/** Options every mutation on an order takes. */
export const mutationOptions = {
  idempotencyKey: idempotencyKey.optional(),
  expectedVersion: expectedVersion.optional(),
};

/** The manual events of the registered processes, and closing the cancellation window. */
export const eventName = z.enum(triggerEvents);

export const triggerInput = z.strictObject({
  reference: orderReference,
  event: eventName,
  target,
  dryRun: z.boolean().default(false),
  data: z
    .strictObject({ trackingNumber: text(100).optional(), carrier: text(100).optional() })
    .optional(),
  ...mutationOptions,
});
export type TriggerInput = z.infer<typeof triggerInput>;

/** What an order object's method takes: the input without the reference that chose the object. */
export type ForOrder<T> = Omit<T, "reference">;

export const orderMutationInput = z.strictObject({ reference: orderReference, ...mutationOptions });
export type OrderMutationInput = z.infer<typeof orderMutationInput>;

export const setCustomReferenceInput = z.strictObject({
  reference: orderReference,
  customOrderReference,
  ...mutationOptions,
});
export type SetCustomReferenceInput = z.infer<typeof setCustomReferenceInput>;

export const historyInput = z.strictObject({
  reference: orderReference,
  itemId: requiredText(40).optional(),
});

const shipmentId = requiredText(40);

export const createShipmentInput = z.strictObject({
  reference: orderReference,
  address,
  method,
  requestedDeliveryDate: isoDate.optional(),
  items: itemSelection,
  ...mutationOptions,
});
export type CreateShipmentInput = z.infer<typeof createShipmentInput>;

export const updateShipmentInput = z.strictObject({
  reference: orderReference,
  shipmentId,
  address: address.optional(),
  method: method.optional(),
  requestedDeliveryDate: isoDate.optional(),
  ...mutationOptions,
});
export type UpdateShipmentInput = z.infer<typeof updateShipmentInput>;

export const moveItemsInput = z.strictObject({
  reference: orderReference,
  toShipmentId: shipmentId,
  items: itemSelection,
  ...mutationOptions,
});
export type MoveItemsInput = z.infer<typeof moveItemsInput>;

/** Words of a search (split on whitespace); those under 3 characters cannot match a trigram. */
export const searchWords = (search: string) =>
  search.split(/\s+/).filter((word) => [...word].length >= 3);

export const listOrdersInput = z.strictObject({
  /** Exactly this order (a cheap version check for a page that shows it). */
  reference: orderReference.optional(),
  /** Words that must each appear in the reference, custom reference, email, name or a SKU. */
  search: text(200)
    .refine((s) => searchWords(s).length > 0, "needs a word of at least 3 characters")
    .optional(),
  customerReference: requiredText(100).optional(),
  customOrderReference: customOrderReference.optional(),
  state: requiredText(64).optional(),
  placedFrom: z.iso.datetime().optional(),
  placedTo: z.iso.datetime().optional(),
  /**
   * Orders with units waiting in `state` (of `process`) that entered it after `after` and at
   * or before `until`: a cell of the order matrix (its age buckets), as a list.
   */
  waiting: z
    .strictObject({
      process: requiredText(64).optional(),
      state: requiredText(64),
      after: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
    })
    .optional(),
  cursor: wellFormed().max(500).optional(),
  limit: z.number().int().min(1).max(limits.maxOrderListLimit).default(20),
});
export type ListOrdersInput = z.infer<typeof listOrdersInput>;

/** A human duration ("31 minutes", "1 day", "1 hour 30 minutes"), read by parseDuration. */
export const duration = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((value, ctx) => {
    try {
      parseDuration(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "invalid" });
    }
  });

/** `clock.advance`: forward by a duration, or to an instant; never backwards. */
export const advanceClockInput = z
  .strictObject({ by: duration.optional(), to: z.iso.datetime({ offset: true }).optional() })
  .refine((input) => (input.by === undefined) !== (input.to === undefined), {
    message: 'give either by (a duration such as "31 minutes") or to (an ISO time), not both',
  });
export type AdvanceClockInput = z.infer<typeof advanceClockInput>;
