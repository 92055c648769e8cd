import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, clientAs, orderInput, tokenFor, triggerAll } from "../helpers";

describe("the clock under CLOCK=system (production's default)", () => {
  it("cannot be read or moved: PRECONDITION_FAILED", async () => {
    const token = await tokenFor("backoffice", "ops");
    const read = await call("clock.now", undefined, { token, method: "GET" });
    expect(read.status).toBe(412);
    expect(read.body.error?.data.code).toBe("PRECONDITION_FAILED");
    expect(read.body.error?.message).toContain("CLOCK=system");
    const moved = await call("clock.advance", { by: "31 minutes" }, { token });
    expect(moved.status).toBe(412);
    expect(moved.body.error?.message).toContain("CLOCK=adjustable");
  });

  it("clock.read tells every signed-in role the system time and the mode, never refused", async () => {
    for (const role of ["customer", "checkout", "backoffice", "support"] as const) {
      const token = await tokenFor(role, "someone");
      const before = Date.now();
      const res = await call("clock.read", undefined, { token, method: "GET" });
      expect(res.status, role).toBe(200);
      const read = res.body.result?.data as { mode: string; now: string };
      expect(read.mode).toBe("system");
      expect(Date.parse(read.now)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(read.now)).toBeLessThanOrEqual(Date.now());
    }
  });

  it("costs nothing: orders, their timers and the invoice consumer never touch the adjustable clock", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    await triggerAll(order.reference, ["pay", "confirm", "invoice-generate"]);
    const backoffice = await clientAs("backoffice", "ops");
    await expect
      .poll(
        async () => (await backoffice.orders.get.query({ reference: order.reference })).invoice,
        {
          timeout: 10_000,
          interval: 50,
        },
      )
      .not.toBeNull();
    await backoffice.orders.list.query({});
    // No RPC reached it, so no object was ever created, and nothing was written.
    expect(await listDurableObjectIds(env.ADJUSTABLE_CLOCK)).toEqual([]);
  });
});
