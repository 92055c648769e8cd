import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImportReport } from "../../src/domain/import";
import { clientAs, erpRequest, orderInput } from "../helpers";

async function send(body: unknown, key: string) {
  const res = await exports.default.fetch(await erpRequest(body, key));
  return { status: res.status, body: (await res.json()) as { ok: boolean; report?: ImportReport } };
}

describe("the ERP webhook orders.events.import", () => {
  it("applies a signed import, answers with the report, and gives every replay the first report", async () => {
    const checkout = await clientAs("checkout", "shop");
    const a = await checkout.orders.place.mutate(orderInput());
    const b = await checkout.orders.place.mutate(orderInput());
    const body = {
      type: "orders.events.import",
      importId: "erp-import-1",
      rows: [
        { order: { reference: a.reference }, event: "pay" },
        { order: { reference: b.reference }, item: { sku: "SKU-1" }, event: "pay", quantity: 1 },
        { order: { reference: b.reference }, item: { sku: "SKU-1" }, event: "ship" },
      ],
    };
    const first = await send(body, "delivery-1");
    expect(first.status).toBe(200);
    expect(first.body.report?.rows.map((r) => r.status)).toEqual(["applied", "applied", "skipped"]);

    // The ERP sends it again (another delivery of the same import): the same report, no change.
    const again = await send(body, "delivery-2");
    expect(again).toEqual(first);
    const backoffice = await clientAs("backoffice");
    const history = await backoffice.orders.history.query({ reference: b.reference });
    expect(history.filter((h) => h.type === "event").map((h) => [h.event, h.actor])).toEqual([
      ["pay", "erp"],
    ]);
    expect((await backoffice.orders.get.query({ reference: b.reference })).itemStates).toEqual({
      "payment-pending": 3,
      paid: 1,
    });

    // The same import id with other rows is refused like a webhook id reused with another body.
    const other = await send({ ...body, rows: body.rows.slice(0, 1) }, "delivery-3");
    expect(other.status).toBe(422);
  });

  it("a bad import body is 400 naming the field", async () => {
    const res = await send({ type: "orders.events.import", rows: [] }, "bad-import");
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("importId");
  });
});
