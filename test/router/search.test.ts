import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import { SEARCHABLE_SKU_BYTES, searchableSkus } from "../../src/engine/summary";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

// Storage is per file: every order here is placed by this file, and each test uses words only
// its own orders carry, so the assertions list exactly the orders expected.

async function placed(overrides: Partial<PlaceOrderInput>, lines = 2) {
  const checkout = await clientAs("checkout", "shop");
  const order = await checkout.orders.place.mutate(orderInput(overrides, lines));
  await projected(order.reference, order.version);
  return order;
}

async function projected(reference: string, version: number) {
  await vi.waitFor(async () => {
    const row = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
      .bind(reference)
      .first<{ version: number }>();
    expect(row?.version).toBeGreaterThanOrEqual(version);
  });
}

const customer = (reference: string, email: string, firstName: string, lastName: string) => ({
  reference,
  email,
  firstName,
  lastName,
});

async function search(text: string, extra: Record<string, unknown> = {}) {
  const backoffice = await clientAs("backoffice");
  const { orders } = await backoffice.orders.list.query({ search: text, ...extra });
  return orders.map((o) => o.reference).sort();
}

const line = (sku: string) => ({
  sku,
  name: `Product ${sku}`,
  quantity: 3,
  unitPrice: 1000,
  taxRate: 19,
  isQuantitySplittable: true,
  shipment: "home",
});

describe("orders.list search", () => {
  it("finds an order by any part of its reference, custom reference, email, name or SKU", async () => {
    const grace = await placed({
      customer: customer("c-grace", "grace.hopper@navy.example", "Grace", "Hopper"),
      customOrderReference: "PO-COBOL-1959",
      lines: [line("WIDGET-BLUE-42"), line("GADGET-7")],
    });
    const other = await placed({
      customer: customer("c-alan", "alan@bletchley.example", "Alan", "Turing"),
      customOrderReference: "PO-ENIGMA-1941",
      lines: [line("ROTOR-5")],
    });

    // Part of the order reference, in lower case.
    expect(await search(grace.reference.slice(4, 12).toLowerCase())).toEqual([grace.reference]);
    // Custom reference, email, name and SKU, each by a fragment in any case.
    expect(await search("cobol")).toEqual([grace.reference]);
    expect(await search("HOPPER@NAVY")).toEqual([grace.reference]);
    expect(await search("race hop")).toEqual([grace.reference]);
    expect(await search("get-blue")).toEqual([grace.reference]);
    expect(await search("rotor")).toEqual([other.reference]);
    // Every word must match somewhere, in any field.
    expect(await search("grace rotor")).toEqual([]);
    expect(await search("turing enigma rot")).toEqual([other.reference]);
    // Shorter words are ignored rather than matching everything.
    expect(await search("PO cobol")).toEqual([grace.reference]);
    // The rows carry who the customer is.
    const backoffice = await clientAs("backoffice");
    const { orders } = await backoffice.orders.list.query({ search: "cobol" });
    expect(orders[0]?.customer).toEqual({
      email: "grace.hopper@navy.example",
      name: "Grace Hopper",
    });
  });

  it("follows a changed or cleared custom reference", async () => {
    const order = await placed({ customOrderReference: "PO-OLDREF-77" });
    expect(await search("oldref")).toEqual([order.reference]);

    const backoffice = await clientAs("backoffice");
    const renamed = await backoffice.orders.setCustomReference.mutate({
      reference: order.reference,
      customOrderReference: "PO-NEWREF-78",
    });
    await projected(order.reference, renamed.version);
    expect(await search("oldref")).toEqual([]);
    expect(await search("newref")).toEqual([order.reference]);

    const cleared = await backoffice.orders.setCustomReference.mutate({
      reference: order.reference,
      customOrderReference: "",
    });
    await projected(order.reference, cleared.version);
    expect(await search("newref")).toEqual([]);
    // The rest of the order is still found.
    expect(await search(order.reference)).toEqual([order.reference]);
  });

  it("is not re-indexed by a projection that changes only states", async () => {
    const order = await placed({ lines: [line("REINDEX-ONCE-1")] });
    const segments = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM order_search_data").first<{ n: number }>())
        ?.n;
    const before = await segments();
    const backoffice = await clientAs("backoffice");
    const { order: paid } = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    await projected(order.reference, paid.version);
    expect(await segments()).toBe(before);
    expect(await search("reindex-once")).toEqual([order.reference]);
  });

  it("combines with the other filters and pages newest first", async () => {
    const mark = "PAGEMARK";
    const refs: string[] = [];
    for (let i = 0; i < 5; i++)
      refs.push((await placed({ customOrderReference: `${mark}-${i}` })).reference);
    const backoffice = await clientAs("backoffice");
    const { order: paid } = await backoffice.orders.trigger.mutate({
      reference: refs[0] as string,
      event: "pay",
      target: { all: true },
    });
    await projected(paid.reference, paid.version);

    expect(await search(mark, { state: "paid" })).toEqual([refs[0]]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await backoffice.orders.list.query({ search: mark, limit: 2, cursor });
      expect(page.orders.length).toBeLessThanOrEqual(2);
      seen.push(...page.orders.map((o) => o.reference));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual([...refs].sort());
  });

  it("takes what a person types literally, FTS5 syntax included", async () => {
    const order = await placed({ customOrderReference: 'QUOTE"AND*OR(NEAR)' });
    expect(await search('quote"and*or')).toEqual([order.reference]);
    expect(await search("NEAR) OR")).toEqual([order.reference]);
    expect(await search('"" *** ((( NOT')).toEqual([]);
  });

  it("finds a large order by its last SKU", async () => {
    const skus = Array.from({ length: 2000 }, (_, i) => `BULK-${String(i).padStart(5, "0")}`);
    const order = await placed({ lines: skus.map(line) });
    expect(await search("BULK-01999")).toEqual([order.reference]);
  });

  it("keeps a huge SKU list within D1's row size: whole SKUs, in line order, up to the budget", () => {
    // The largest valid order's SKUs: 10,000 of 100 four-byte characters, 4 MB of UTF-8.
    const wide = "\u{1D504}".repeat(95);
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      sku: `S${String(i).padStart(4, "0")}-${wide}`,
    }));
    const text = searchableSkus(lines);
    const bytes = new TextEncoder().encode(text).length;
    expect(bytes).toBeLessThanOrEqual(SEARCHABLE_SKU_BYTES);
    expect(bytes).toBeGreaterThan(SEARCHABLE_SKU_BYTES - 400);
    const kept = text.split("\n");
    expect(kept).toEqual(lines.slice(0, kept.length).map((l) => l.sku));
    // Repeated SKUs count once.
    expect(searchableSkus([{ sku: "A" }, { sku: "B" }, { sku: "A" }])).toBe("A\nB");
  });

  it("a customer searches only its own orders", async () => {
    const mine = await placed({
      customer: customer("c-own", "own@example.com", "Own", "Er"),
      customOrderReference: "SHARED-WORD-1",
    });
    await placed({
      customer: customer("c-else", "else@example.com", "Some", "One"),
      customOrderReference: "SHARED-WORD-2",
    });
    const client = await clientAs("customer", "c-own");
    const { orders } = await client.orders.list.query({ search: "shared-word" });
    expect(orders.map((o) => o.reference)).toEqual([mine.reference]);
  });

  it("a search without a word of 3 characters is BAD_REQUEST naming the field", async () => {
    const token = await tokenFor("backoffice", "alice");
    const { status, body } = await call("orders.list", { search: "a b" }, { token, method: "GET" });
    expect(status).toBe(400);
    expect(body.error?.data.issues).toEqual([
      expect.objectContaining({
        path: ["search"],
        message: "needs a word of at least 3 characters",
      }),
    ]);
  });

  it("reference returns exactly that order", async () => {
    const order = await placed({});
    const backoffice = await clientAs("backoffice");
    const { orders } = await backoffice.orders.list.query({ reference: order.reference });
    expect(orders.map((o) => [o.reference, o.version])).toEqual([[order.reference, order.version]]);
  });
});
