import type { OrderState } from "./model";

/** What the D1 read model indexes for search besides the references (see migration 0004). */
export interface SearchFields {
  customerEmail: string;
  customerName: string;
  /** Distinct SKUs in line order, one per line (a SKU never holds a control character). */
  skus: string;
}

/** The searchable text of an order beyond its references: customer email, name and SKUs. */
export function searchFields(state: Pick<OrderState, "header" | "lines">): SearchFields {
  const { email, firstName, lastName } = state.header.customer;
  const skus = new Set<string>();
  for (const line of state.lines.values()) skus.add(line.sku);
  return {
    customerEmail: email,
    customerName: `${firstName} ${lastName}`,
    skus: [...skus].join("\n"),
  };
}
