import { drizzle } from "drizzle-orm/d1";
import { ordersToWake } from "./db/deliveries";
import { archiveClosedOrders } from "./db/retention";
import { pruneSignInCodes } from "./db/sign-in-codes";
import { parseDuration } from "./domain/duration";
import { Receipts } from "./webhooks/receipts";
import { abandonedMigrations, runMigration } from "./worker/process-migration";

/** A pending delivery this much past its due time counts as one whose object never woke. */
const OVERDUE_MS = 60_000;
/** Objects woken per sweep, and at once; the next sweep takes the rest. */
const MAX_WAKES = 1_000;
const WAKES_AT_ONCE = 10;
/** Closed orders archived out of the D1 read model per sweep (every 5 minutes: 288,000 a day). */
const ARCHIVES_PER_SWEEP = 1_000;

/**
 * The Cron Trigger: wakes order objects whose next ERP delivery waits for no reason (a URL was
 * set since it parked, or its alarm never came), and forgets inbound webhook ids and sign-in
 * codes past their time. With `ERP_EXPORT_URL` empty there is nothing to send, so no object is woken. With
 * `READ_MODEL_RETENTION` set, it archives closed orders that did not change for that long out of
 * the D1 read model (src/db/retention.ts), and resumes process migrations whose runner went
 * away (src/worker/process-migration.ts). Its log line says how large the database is.
 * Deliveries are dated by the service's clock (`serviceNow`: the adjustable clock's reading
 * under CLOCK=adjustable), inbound webhook ids by the real time (`now`).
 */
export async function sweep(
  env: Env,
  now = new Date(),
  serviceNow = now,
): Promise<{ woken: number; forgotten: number; archived: number; databaseBytes: number }> {
  let woken = 0;
  if (env.ERP_EXPORT_URL) {
    const references = await ordersToWake(drizzle(env.DB), serviceNow, OVERDUE_MS, MAX_WAKES);
    for (let i = 0; i < references.length; i += WAKES_AT_ONCE) {
      const results = await Promise.allSettled(
        references
          .slice(i, i + WAKES_AT_ONCE)
          .map((reference) => env.ORDERS.getByName(reference).wakeDeliveries()),
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
  const archived = env.READ_MODEL_RETENTION
    ? await archiveClosedOrders(
        env.DB,
        serviceNow.getTime(),
        parseDuration(env.READ_MODEL_RETENTION),
        ARCHIVES_PER_SWEEP,
      )
    : 0;
  // Migrations whose runner went away (the request's background work was cut short): resumed
  // from their cursor, one after the other, within this sweep.
  const migrations = await abandonedMigrations(env.DB, now.getTime());
  for (const id of migrations)
    await runMigration(env, id, { type: "system" }).catch((error: unknown) =>
      console.error(
        JSON.stringify({ message: "sweep could not resume a migration", id, error: String(error) }),
      ),
    );
  // The read model's size, for an alert well before D1's limit (docs/performance.md, capacity).
  const databaseBytes = (await env.DB.prepare("SELECT 1").run()).meta.size_after;
  console.log(
    JSON.stringify({
      message: "sweep done",
      woken,
      forgotten,
      expiredCodes,
      archived,
      migrations: migrations.length,
      databaseBytes,
    }),
  );
  return { woken, forgotten, archived, databaseBytes };
}
