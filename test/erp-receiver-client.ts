import { env } from "cloudflare:workers";
import type { Behaviour, OrderLog } from "./erp-receiver-types";

/**
 * The test ERP that vitest.config.ts starts for the workers project (ERP_EXPORT_URL points at
 * it), steered and read per order over HTTP from inside workerd.
 */
const origin = () => new URL(env.ERP_EXPORT_URL).origin;

export const erpReceiver = {
  async behave(orderReference: string, behaviour: Behaviour): Promise<void> {
    const res = await fetch(`${origin()}/orders/${encodeURIComponent(orderReference)}`, {
      method: "PUT",
      body: JSON.stringify(behaviour),
    });
    if (res.status !== 204) throw new Error(`receiver answered ${res.status}`);
  },
  async log(orderReference: string): Promise<OrderLog> {
    const res = await fetch(`${origin()}/orders/${encodeURIComponent(orderReference)}`);
    return (await res.json()) as OrderLog;
  },
};
