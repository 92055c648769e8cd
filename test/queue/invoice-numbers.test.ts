import { evictDurableObject } from "cloudflare:test";
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
    expect(await numbers().allocate("order-first")).toEqual({ number: 1 });
    expect(await numbers().allocate("order-first")).toEqual({ number: 1 });
    expect(await allocatedNumber("order-first")).toEqual({ number: 1 });
  });

  it("allocates 50 gap-free numbers to 50 orders asking at once", async () => {
    const refs = Array.from({ length: 50 }, (_, i) => `order-concurrent-${i}`);
    const allocated = await Promise.all(refs.map((ref) => numbers().allocate(ref)));
    const got = allocated.map((a) => a.number).sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    // The same orders asking again, concurrently and in another order, change nothing.
    const again = await Promise.all(refs.toReversed().map((ref) => numbers().allocate(ref)));
    expect(again.toReversed()).toEqual(allocated);
    expect(await numbers().allocate("order-next")).toEqual({ number: 52 });
  });

  it("keeps every allocation when the object is evicted from memory", async () => {
    await evictDurableObject(numbers());
    expect(await numbers().allocate("order-first")).toEqual({ number: 1 });
    expect(await numbers().allocate("order-next")).toEqual({ number: 52 });
    expect(await numbers().allocate("order-after-eviction")).toEqual({ number: 53 });
  });
});
