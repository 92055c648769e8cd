import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

describe("authentication and roles", () => {
  it("no token is UNAUTHORIZED", async () => {
    const res = await call("orders.place", orderInput());
    expect(res.status).toBe(401);
    expect(res.body.error?.data.code).toBe("UNAUTHORIZED");
  });

  it("a token signed with another secret is UNAUTHORIZED", async () => {
    const token = await tokenFor("checkout", "shop", "not-the-secret");
    expect((await call("orders.place", orderInput(), { token })).status).toBe(401);
  });

  it("an expired token is UNAUTHORIZED", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await sign(
      { sub: "shop", role: "checkout", exp: past },
      "test-jwt-secret",
      "HS256",
    );
    expect((await call("orders.place", orderInput(), { token })).status).toBe(401);
  });

  it("a token with an unknown role is UNAUTHORIZED", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(
      { sub: "x", role: "admin", exp: now + 60 },
      "test-jwt-secret",
      "HS256",
    );
    expect(
      (await call("orders.get", { reference: "ORD-X" }, { token, method: "GET" })).status,
    ).toBe(401);
  });

  const HOUR = 3600;
  const tokenWith = (claims: Record<string, unknown>) =>
    sign({ sub: "ops", role: "backoffice", ...claims }, "test-jwt-secret", "HS256");
  const status = async (token: string) =>
    (await call("processes.list", {}, { token, method: "GET" })).status;

  it("every token must carry exp, and may live at most TOKEN_MAX_TTL (24 hours)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      "no exp": await tokenWith({}),
      "exp 1e300": await tokenWith({ exp: 1e300 }),
      "exp as a string": await tokenWith({ exp: String(now + HOUR) }),
      "exp 25 hours ahead": await tokenWith({ exp: now + 25 * HOUR }),
      "issued 10 minutes ago for 24 h 5 min": await tokenWith({
        iat: now - 600,
        exp: now - 600 + 24 * HOUR + 300,
      }),
      "nbf an hour ahead": await tokenWith({ nbf: now + HOUR, exp: now + 2 * HOUR }),
      "iat an hour ahead": await tokenWith({ iat: now + HOUR, exp: now + 2 * HOUR }),
    };
    for (const [name, token] of Object.entries(refused)) {
      const res = await call("processes.list", {}, { token, method: "GET" });
      expect(res.status, name).toBe(401);
      expect(res.body.error?.data.code, name).toBe("UNAUTHORIZED");
    }
    const accepted = {
      "exp 24 hours ahead": await tokenWith({ exp: now + 24 * HOUR - 5 }),
      "iat and exp 24 hours apart": await tokenWith({ iat: now, exp: now + 24 * HOUR }),
      // Clocks differ a little between the issuer and us.
      "iat a few seconds ahead": await tokenWith({ iat: now + 5, exp: now + HOUR }),
      "nbf a few seconds ahead": await tokenWith({ nbf: now + 5, exp: now + HOUR }),
    };
    for (const [name, token] of Object.entries(accepted))
      expect(await status(token), name).toBe(200);
  });

  it("says why a signed token is refused", async () => {
    const res = await call("processes.list", {}, { token: await tokenWith({}), method: "GET" });
    expect(res.body.error?.message).toContain("exp");
  });

  it.each([
    ["customer", "orders.place", "POST"],
    ["backoffice", "orders.place", "POST"],
    ["checkout", "orders.get", "GET"],
    ["checkout", "orders.list", "GET"],
    ["customer", "orders.trigger", "POST"],
    ["customer", "orders.events", "GET"],
    ["customer", "orders.setCustomReference", "POST"],
  ] as const)("role %s may not call %s: FORBIDDEN", async (role, path, method) => {
    const token = await tokenFor(role, "someone");
    const res = await call(path, {}, { token, method });
    expect(res.status).toBe(403);
    expect(res.body.error?.data.code).toBe("FORBIDDEN");
  });
});

describe("a customer sees only its own orders", () => {
  it("another customer's order is NOT_FOUND in get, history and cancel", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(
      orderInput({
        customer: { reference: "alice", email: "a@example.com", firstName: "A", lastName: "A" },
      }),
    );
    const alice = await tokenFor("customer", "alice");
    const bob = await tokenFor("customer", "bob");
    const input = { reference: order.reference };
    expect((await call("orders.get", input, { token: alice, method: "GET" })).status).toBe(200);
    for (const [path, method] of [
      ["orders.get", "GET"],
      ["orders.history", "GET"],
      ["orders.cancel", "POST"],
    ] as const) {
      const res = await call(path, input, { token: bob, method });
      expect(res.status, path).toBe(404);
      expect(res.body.error?.data.code).toBe("NOT_FOUND");
    }
    // Bob's failed cancel changed nothing.
    const after = await call("orders.get", input, { token: alice, method: "GET" });
    expect((after.body.result?.data as { version: number } | undefined)?.version).toBe(
      order.version,
    );
  });

  it("an order whose items are all excluded from customers (payment never came) is hidden from its customer", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(
      orderInput({
        customer: { reference: "ursula", email: "u@example.com", firstName: "U", lastName: "U" },
      }),
    );
    const stub = env.ORDERS.getByName(order.reference);
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = () => Date.parse(order.placedAt) + 24 * 60 * 60_000;
    });
    const backoffice = await clientAs("backoffice");
    const invalid = await backoffice.orders.get.query({ reference: order.reference });
    expect(invalid.items[0]?.flags).toContain("exclude-from-customer");
    const ursula = await tokenFor("customer", "ursula");
    expect(
      (await call("orders.get", { reference: order.reference }, { token: ursula, method: "GET" }))
        .status,
    ).toBe(404);
    expect(
      (await call("orders.cancel", { reference: order.reference }, { token: ursula })).status,
    ).toBe(404);
    // The projection is due on the object's (shifted, frozen) clock: move it on a little and
    // let the alarm deliver it.
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = () => Date.parse(order.placedAt) + 24 * 60 * 60_000 + 1_000;
    });
    await runDurableObjectAlarm(stub);
    const { orders } = await backoffice.orders.list.query({ customerReference: "ursula" });
    expect(orders[0]?.version).toBe(invalid.version);
    const list = await call("orders.list", {}, { token: ursula, method: "GET" });
    expect((list.body.result?.data as { orders: unknown[] } | undefined)?.orders).toEqual([]);
  });

  it("an order that does not exist is NOT_FOUND", async () => {
    const backoffice = await tokenFor("backoffice", "ops");
    const res = await call(
      "orders.get",
      { reference: "ORD-DOESNOTEXIST" },
      { token: backoffice, method: "GET" },
    );
    expect(res.status).toBe(404);
  });
});
