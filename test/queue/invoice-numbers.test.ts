import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { InvoiceNumbers } from "../../src/durable/invoice-numbers";
import { allocatedNumber } from "./consume";

// Storage is isolated per test file: this file's sequence starts empty. The tests run in
// order and build on each other's allocations.
const numbers = () =>
  (env.INVOICE_NUMBERS as unknown as DurableObjectNamespace<InvoiceNumbers>).getByName("global");

describe("InvoiceNumbers", () => {
  it("starts at 1 and gives an order the same number however often it asks", async () => {
    expect(await allocatedNumber("order-first")).toBeNull();
    expect(await numbers().allocate("invoice", "order-first")).toEqual({ number: 1 });
    expect(await numbers().allocate("invoice", "order-first")).toEqual({ number: 1 });
    expect(await allocatedNumber("order-first")).toEqual({ number: 1 });
  });

  it("allocates 50 gap-free numbers to 50 orders asking at once", async () => {
    const refs = Array.from({ length: 50 }, (_, i) => `order-concurrent-${i}`);
    const allocated = await Promise.all(refs.map((ref) => numbers().allocate("invoice", ref)));
    const got = allocated.map((a) => a.number).sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    // The same orders asking again, concurrently and in another order, change nothing.
    const again = await Promise.all(
      refs.toReversed().map((ref) => numbers().allocate("invoice", ref)),
    );
    expect(again.toReversed()).toEqual(allocated);
    expect(await numbers().allocate("invoice", "order-next")).toEqual({ number: 52 });
  });

  it("keeps every allocation when the object is evicted from memory", async () => {
    await evictDurableObject(numbers());
    expect(await numbers().allocate("invoice", "order-first")).toEqual({ number: 1 });
    expect(await numbers().allocate("invoice", "order-next")).toEqual({ number: 52 });
    expect(await numbers().allocate("invoice", "order-after-eviction")).toEqual({ number: 53 });
  });

  it("keeps credit notes in their own series, one number per key", async () => {
    expect(await numbers().allocate("credit-note", "order-first#7")).toEqual({ number: 1 });
    expect(await numbers().allocate("credit-note", "order-first#9")).toEqual({ number: 2 });
    expect(await numbers().allocate("credit-note", "order-first#7")).toEqual({ number: 1 });
    // The invoice series goes on where it was.
    expect(await numbers().allocate("invoice", "order-after-credit")).toEqual({ number: 54 });
  });

  it("carries invoice numbers allocated before the series existed over, once", async () => {
    const legacy = (
      env.INVOICE_NUMBERS as unknown as DurableObjectNamespace<InvoiceNumbers>
    ).getByName("legacy");
    // An object as the code before series left it: one table of order -> number.
    await runInDurableObject(legacy, (_o, state) => {
      state.storage.sql.exec("DROP TABLE numbers");
      state.storage.sql.exec(
        `CREATE TABLE allocations (order_reference TEXT PRIMARY KEY,
           number INTEGER NOT NULL UNIQUE, allocated_at TEXT NOT NULL)`,
      );
      for (const [ref, n] of [
        ["old-1", 1],
        ["old-2", 2],
      ] as const)
        state.storage.sql.exec("INSERT INTO allocations VALUES (?, ?, ?)", ref, n, "2026-01-01");
    });
    await evictDurableObject(legacy);
    expect(await legacy.allocate("invoice", "old-2")).toEqual({ number: 2 });
    expect(await legacy.allocate("invoice", "new-1")).toEqual({ number: 3 });
    expect(await legacy.allocate("credit-note", "old-1#4")).toEqual({ number: 1 });
  });
});
