import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storedItemGroups } from "../../src/db/item-groups";
import { projectOrder } from "../../src/db/projection";
import type { ItemGroups } from "../../src/engine/item-groups";
import {
  call,
  clientAs,
  ORDER_RESERVED_ROWS,
  orderInput,
  summaryRowFor,
  tokenFor,
} from "../helpers";

const line = (sku: string, quantity: number, isQuantitySplittable = true) => ({
  sku,
  name: sku,
  quantity,
  unitPrice: 1000,
  taxRate: 19,
  isQuantitySplittable,
  shipment: "home",
});

async function reserved(...skus: string[]) {
  const checkout = await clientAs("checkout", "storefront");
  return checkout.reservations.get.query({ skus });
}

/** What D1 holds per SKU, checked against the orders' own rows it is the sum of. */
async function d1Reserved(sku: string): Promise<number> {
  const total = await env.DB.prepare("SELECT reserved FROM sku_reservations WHERE sku = ?")
    .bind(sku)
    .first<{ reserved: number }>();
  const sum = await env.DB.prepare(
    `SELECT COALESCE(SUM(quantity), 0) AS n FROM ${ORDER_RESERVED_ROWS} WHERE sku = ?`,
  )
    .bind(sku)
    .first<{ n: number }>();
  expect(total?.reserved ?? 0).toBe(sum?.n);
  return sum?.n ?? 0;
}

describe("reservations.get", () => {
  it("counts units in reserved states across orders; cancels and shipping release them", async () => {
    const checkout = await clientAs("checkout", "shop");
    const backoffice = await clientAs("backoffice");
    const a = await checkout.orders.place.mutate(
      orderInput({ lines: [line("RES-A", 2), line("RES-B", 1)] }),
    );
    const b = await checkout.orders.place.mutate(orderInput({ lines: [line("RES-A", 3)] }));
    await expect
      .poll(() => reserved("RES-A", "RES-B", "RES-NONE"))
      .toEqual([
        { sku: "RES-A", reserved: 5 },
        { sku: "RES-B", reserved: 1 },
        { sku: "RES-NONE", reserved: 0 },
      ]);

    // Paying and confirming keep the stock reserved; cancelling one unit of a splittable item
    // releases exactly that unit.
    await backoffice.orders.trigger.mutate({
      reference: b.reference,
      event: "pay",
      target: { all: true },
    });
    await backoffice.orders.trigger.mutate({
      reference: b.reference,
      event: "cancel",
      target: { items: [{ id: b.items[0]!.id, quantity: 1 }] },
    });
    await expect.poll(() => reserved("RES-A")).toEqual([{ sku: "RES-A", reserved: 4 }]);

    // The customer cancels order a: its units go back.
    const customer = await clientAs("customer", "customer-1");
    await customer.orders.cancel.mutate({ reference: a.reference });
    await expect
      .poll(() => reserved("RES-A", "RES-B"))
      .toEqual([
        { sku: "RES-A", reserved: 2 },
        { sku: "RES-B", reserved: 0 },
      ]);

    // Shipping takes the rest out of the warehouse: nothing is reserved any more.
    for (const event of ["confirm", "cancellation-window-closed", "ship"] as const)
      await backoffice.orders.trigger.mutate({
        reference: b.reference,
        event,
        target: { all: true },
      });
    await expect.poll(() => reserved("RES-A")).toEqual([{ sku: "RES-A", reserved: 0 }]);
    expect(await d1Reserved("RES-A")).toBe(0);
    expect(await d1Reserved("RES-B")).toBe(0);
  });

  it("a repeated or late projection never counts twice", async () => {
    const groups = (quantity: number): ItemGroups => ({
      process: "payment@1",
      reserved: quantity > 0 ? [{ sku: "RES-LATE", quantity }] : [],
      waiting: [{ state: "paid", since: 1_000, quantity }],
    });
    const row = (version: number) => summaryRowFor("ORD-LATE", version);
    const project = (version: number, quantity: number) =>
      projectOrder(env.DB, row(version), {
        exports: [],
        itemGroups: storedItemGroups(groups(quantity)),
      });
    await project(3, 4);
    expect(await d1Reserved("RES-LATE")).toBe(4);
    // The same projection again (a retry after a lost answer) changes nothing, not even a row.
    expect(await project(3, 4)).toBe(1);
    expect(await d1Reserved("RES-LATE")).toBe(4);
    // A newer version moves the figure by the difference.
    await project(5, 1);
    expect(await d1Reserved("RES-LATE")).toBe(1);
    // An older one arriving late changes nothing.
    await project(4, 7);
    expect(await d1Reserved("RES-LATE")).toBe(1);
    await project(6, 0);
    expect(await d1Reserved("RES-LATE")).toBe(0);
  });

  it("SKUs that sort apart in UTF-16 and UTF-8 are counted once each, across chunks", async () => {
    // Enough long SKUs to need several chunks, including characters above U+FFFF next to
    // characters just below it (UTF-16 orders them the other way round).
    const skus = Array.from(
      { length: 3000 },
      (_, i) =>
        `${i % 2 === 0 ? "\u{1F600}" : "\uFFFD"}${String(i).padStart(5, "0")}${"x".repeat(150)}`,
    );
    const reference = "ORD-CHUNKS";
    const project = (version: number, quantityOf: (i: number) => number) =>
      projectOrder(env.DB, summaryRowFor(reference, version), {
        exports: [],
        itemGroups: storedItemGroups({
          process: "payment@1",
          reserved: skus.flatMap((sku, i) =>
            quantityOf(i) > 0 ? [{ sku, quantity: quantityOf(i) }] : [],
          ),
          waiting: [],
        }),
      });
    await project(1, () => 2);
    await project(2, (i) => (i % 3 === 0 ? 0 : i % 3));
    const rows = await env.DB.prepare(
      `SELECT COUNT(*) AS n, SUM(quantity) AS q FROM ${ORDER_RESERVED_ROWS} WHERE order_reference = ?`,
    )
      .bind(reference)
      .first<{ n: number; q: number }>();
    expect(rows).toEqual({ n: 2000, q: 3000 });
    const totals = await env.DB.prepare(
      "SELECT SUM(reserved) AS q, COUNT(*) AS n FROM sku_reservations WHERE sku LIKE '%xxxxxxxxxx'",
    ).first<{ q: number; n: number }>();
    expect(totals).toEqual({ q: 3000, n: 3000 });
  });

  it("is for the checkout and the back office; the input names the bad field", async () => {
    const customer = await tokenFor("customer", "c");
    const checkout = await tokenFor("checkout", "shop");
    const forbidden = await call(
      "reservations.get",
      { skus: ["A"] },
      { token: customer, method: "GET" },
    );
    expect(forbidden.status).toBe(403);
    const empty = await call("reservations.get", { skus: [] }, { token: checkout, method: "GET" });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.data.issues?.[0]?.path).toEqual(["skus"]);
    const tooMany = await call(
      "reservations.get",
      { skus: Array.from({ length: 101 }, (_, i) => `S${i}`) },
      { token: checkout, method: "GET" },
    );
    expect(tooMany.status).toBe(400);
  });
});
