import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImportRow } from "../../src/domain/import";
import { clientAs, orderInput } from "../helpers";

describe("a bulk status import's dry run", () => {
  it("reports per row what the import would do, in row order per order, and writes nothing", async () => {
    const checkout = await clientAs("checkout", "shop");
    const [a, b] = await Promise.all([
      checkout.orders.place.mutate(orderInput({}, 2)),
      checkout.orders.place.mutate(orderInput({}, 1)),
    ]);
    if (!a || !b) throw new Error("not placed");
    const backoffice = await clientAs("backoffice", "ops");
    const rows = [
      { order: { reference: a.reference }, event: "pay" },
      // Only because the row before pays first: the dry run computes rows in order.
      { order: { reference: a.reference }, item: { id: "I1" }, event: "confirm" },
      { order: { reference: b.reference }, event: "ship" },
      { order: { reference: "ORD-DOESNOTEXIST" }, event: "pay" },
      { order: { reference: b.reference }, event: "fly" },
    ] as ImportRow[];
    const preview = await backoffice.orders.importEvents.mutate({
      importId: "dry-1",
      rows,
      dryRun: true,
    });
    expect(preview.dryRun).toBe(true);
    expect(preview.rows.map((r) => [r.index, r.status])).toEqual([
      [0, "applied"],
      [1, "applied"],
      [2, "skipped"],
      [3, "unknown-order"],
      [4, "invalid"],
    ]);
    expect(preview.rows[2]?.states).toEqual([
      { state: "payment-pending", accepts: ["pay", "cancel"] },
    ]);

    // Nothing moved, the import id is not taken, and no report was kept.
    for (const order of [a, b])
      expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
        order.version,
      );
    const claims = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM event_imports WHERE import_id = ?",
    )
      .bind("dry-1")
      .first<{ n: number }>();
    expect(claims?.n).toBe(0);

    // Applied for real under the same id, it does what the dry run said.
    const report = await backoffice.orders.importEvents.mutate({ importId: "dry-1", rows });
    expect(report.dryRun).toBeUndefined();
    expect(report.rows).toEqual(preview.rows);
    const after = await backoffice.orders.get.query({ reference: a.reference });
    expect(after.items.map((i) => i.state)).toEqual(["confirmed", "paid"]);
  });
});
