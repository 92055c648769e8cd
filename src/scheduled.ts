import { drizzle } from "drizzle-orm/d1";
import { ordersToWake } from "./db/exports";
import { pruneSignInCodes } from "./db/sign-in-codes";
import { Receipts } from "./webhooks/receipts";

/** A pending delivery this much past its due time counts as one whose object never woke. */
const OVERDUE_MS = 60_000;
/** Objects woken per sweep, and at once; the next sweep takes the rest. */
const MAX_WAKES = 1_000;
const WAKES_AT_ONCE = 10;

/**
 * The Cron Trigger: wakes order objects whose next ERP delivery waits for no reason (a URL was
 * set since it parked, or its alarm never came), and forgets inbound webhook ids and sign-in
 * codes past their time. With `ERP_EXPORT_URL` empty there is nothing to send, so no object is woken.
 * Deliveries are dated by the service's clock (`serviceNow`: the adjustable clock's reading
 * under CLOCK=adjustable), inbound webhook ids by the real time (`now`).
 */
export async function sweep(
  env: Env,
  now = new Date(),
  serviceNow = now,
): Promise<{ woken: number; forgotten: number }> {
  let woken = 0;
  if (env.ERP_EXPORT_URL) {
    const references = await ordersToWake(drizzle(env.DB), serviceNow, OVERDUE_MS, MAX_WAKES);
    for (let i = 0; i < references.length; i += WAKES_AT_ONCE) {
      const results = await Promise.allSettled(
        references
          .slice(i, i + WAKES_AT_ONCE)
          .map((reference) => env.ORDERS.getByName(reference).wakeExports()),
      );
      for (const [j, result] of results.entries()) {
        if (result.status === "fulfilled") woken += 1;
        else
          console.error(
            JSON.stringify({
              message: "sweep could not wake an order",
              orderReference: references[i + j],
              error: String(result.reason),
            }),
          );
      }
    }
  }
  const forgotten = await new Receipts(env.DB).prune(now);
  const expiredCodes = await pruneSignInCodes(drizzle(env.DB), now.getTime());
  console.log(JSON.stringify({ message: "sweep done", woken, forgotten, expiredCodes }));
  return { woken, forgotten };
}
