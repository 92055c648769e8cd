import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storedItemGroups } from "../../src/db/item-groups";
import { type DeliveryRow, projectOrder } from "../../src/db/projection";
import { archiveClosedOrders } from "../../src/db/retention";
import { sweep } from "../../src/scheduled";
import { clientAs, summaryRowFor } from "../helpers";

const NOW = Date.parse("2026-11-26T12:00:00.000Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** An order projected as its object would: `waiting` non-empty means it has open work. */
async function project(
  reference: string,
  version: number,
  placedDaysAgo: number,
  changedDaysAgo: number,
  open: boolean,
  exports: DeliveryRow["status"][] = [],
) {
  const placedAt = NOW - placedDaysAgo * DAY;
  await projectOrder(
    env.DB,
    summaryRowFor(reference, version, {
      customerReference: "retention",
      customerName: `Keeper ${reference}`,
      itemStates: open ? { delivered: 2 } : { closed: 2 },
      state: open ? "delivered" : "closed",
      placedAt: iso(placedAt),
      updatedAt: iso(NOW - changedDaysAgo * DAY),
    }),
    {
      exports: exports.map((status, i) => ({
        id: `msg_${reference}_${i + 1}`,
        orderReference: reference,
        sequence: i + 1,
        type: "order.exported",
        status,
        attempts: 1,
        lastAttemptAt: iso(placedAt),
        lastError: null,
        nextAttemptAt: null,
        createdAt: iso(placedAt),
        revision: 2,
      })),
      itemGroups: storedItemGroups({
        process: "payment@1",
        reserved: [],
        waiting: open ? [{ state: "delivered", since: placedAt, quantity: 2 }] : [],
      }),
    },
  );
}

const listed = async () => {
  const backoffice = await clientAs("backoffice");
  const { orders } = await backoffice.orders.list.query({ customerReference: "retention" });
  return orders.map((o) => o.reference).sort();
};
const found = async (search: string) => {
  const backoffice = await clientAs("backoffice");
  const { orders } = await backoffice.orders.list.query({ search });
  return orders.map((o) => o.reference).sort();
};

describe("the read model's retention", () => {
  it("archives closed orders unchanged for the retention out of D1, oldest first; a change brings one back", async () => {
    await project("ORD-RET-OLD-CLOSED", 7, 100, 80, false, ["delivered"]);
    await project("ORD-RET-OLDER-CLOSED", 7, 120, 80, false, ["delivered", "failed"]);
    await project("ORD-RET-OLD-OPEN", 5, 100, 80, true);
    await project("ORD-RET-LATELY-CLOSED", 7, 100, 5, false);
    await project("ORD-RET-NEW-CLOSED", 7, 10, 5, false);
    expect(await found("keeper")).toHaveLength(5);

    // Without READ_MODEL_RETENTION (wrangler.toml's default) nothing goes.
    expect((await sweep({ ...env, READ_MODEL_RETENTION: "" }, new Date(NOW))).archived).toBe(0);
    // The oldest placement first.
    expect(await archiveClosedOrders(env.DB, NOW, 30 * DAY, 1)).toBe(1);
    expect(await found("keeper")).not.toContain("ORD-RET-OLDER-CLOSED");
    expect(await found("keeper")).toContain("ORD-RET-OLD-CLOSED");
    const retained = { ...env, READ_MODEL_RETENTION: "30 days" };
    expect((await sweep(retained, new Date(NOW))).archived).toBe(1);
    const last = await sweep(retained, new Date(NOW));
    expect(last.archived).toBe(0);
    expect(last.databaseBytes).toBeGreaterThan(0);

    const kept = ["ORD-RET-LATELY-CLOSED", "ORD-RET-NEW-CLOSED", "ORD-RET-OLD-OPEN"];
    expect(await listed()).toEqual(kept);
    expect(await found("keeper")).toEqual(kept);
    // Out of every index of the archived orders; the failed delivery stays for the back office.
    await env.DB.prepare(
      "INSERT INTO order_search (order_search) VALUES ('integrity-check')",
    ).run();
    const { results: states } = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM order_states WHERE order_id NOT IN (SELECT id FROM orders)",
    ).all<{ n: number }>();
    expect(states).toEqual([{ n: 0 }]);
    const { results: deliveries } = await env.DB.prepare(
      "SELECT id, status FROM erp_deliveries WHERE order_reference LIKE 'ORD-RET-%' ORDER BY id",
    ).all();
    expect(deliveries).toEqual([{ id: "msg_ORD-RET-OLDER-CLOSED_2", status: "failed" }]);

    // Its object changes the order again: D1 has it back.
    await project("ORD-RET-OLD-CLOSED", 8, 100, 0, false);
    expect(await listed()).toEqual(["ORD-RET-OLD-CLOSED", ...kept].sort());
  });
});
