import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, erpRequest, tokenFor } from "../helpers";

/** What an order object holds on disk: its tables, and the size SQLite reports. */
async function storageOf(reference: string) {
  return runInDurableObject(env.ORDERS.getByName(reference), (_obj, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .toArray()
      .map((r) => r.name),
    alarm: null as number | null,
  }));
}

describe("no storage for strangers", () => {
  it("100 lookups of made-up references answer NOT_FOUND and leave every object empty", async () => {
    const customer = await tokenFor("customer", "stranger");
    const backoffice = await tokenFor("backoffice", "stranger-bo");
    const references = Array.from(
      { length: 100 },
      (_, i) => `ORD-MADEUP${String(i).padStart(7, "0")}`,
    );
    const statuses: number[] = [];
    for (const [i, reference] of references.entries()) {
      const kind = i % 5;
      if (kind === 0)
        statuses.push(
          (await call("orders.get", { reference }, { token: customer, method: "GET" })).status,
        );
      else if (kind === 1)
        statuses.push((await call("orders.cancel", { reference }, { token: customer })).status);
      else if (kind === 2)
        statuses.push(
          (await call("orders.history", { reference }, { token: customer, method: "GET" })).status,
        );
      else if (kind === 3)
        statuses.push(
          (
            await call(
              "orders.trigger",
              { reference, event: "pay", target: { all: true }, idempotencyKey: `k-${i}` },
              { token: backoffice },
            )
          ).status,
        );
      else {
        const res = await exports.default.fetch(
          await erpRequest(
            {
              type: "order.items.event",
              order: { reference },
              event: "pay",
              target: { all: true },
            },
            `stranger-${i}`,
          ),
        );
        statuses.push(res.status);
      }
    }
    expect(new Set(statuses)).toEqual(new Set([404]));
    for (const reference of references) {
      const storage = await storageOf(reference);
      expect(storage.tables).toEqual([]);
    }
  });
});
