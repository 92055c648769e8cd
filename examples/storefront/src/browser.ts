/**
 * What a shop's web page does with the client (type-checked without Node's types, bundled for
 * the browser in CI). The page never holds a secret: the shop's backend mints a short-lived
 * customer token for the signed-in buyer and hands it to the page, which asks again when the
 * token runs out. The service must list the page's origin in CORS_ORIGINS.
 */
import { createOrderClient, type OrderSummary } from "edge-oms-client";

export function customerClient(omsUrl: string) {
  return createOrderClient({
    url: omsUrl,
    token: async () => {
      const res = await fetch("/api/oms-token", { credentials: "same-origin" });
      if (!res.ok) throw new Error(`the shop's backend gave no token (${res.status})`);
      return res.text();
    },
  });
}

/** The buyer's orders, newest first, as lines for a list. */
export async function myOrders(omsUrl: string): Promise<string[]> {
  const { orders } = await customerClient(omsUrl).orders.list.query({ limit: 10 });
  return orders.map(
    (o: OrderSummary) => `${o.reference}: ${o.state}, ${o.grandTotal} ${o.currency}`,
  );
}

/** Cancels inside the window; the service's refusal is a sentence fit to show the buyer. */
export async function cancel(omsUrl: string, reference: string): Promise<string> {
  try {
    const order = await customerClient(omsUrl).orders.cancel.mutate({ reference });
    return `cancelled: ${JSON.stringify(order.itemStates)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
