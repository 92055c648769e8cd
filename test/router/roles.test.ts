import { describe, expect, it } from "vitest";
import type { Role } from "../../src/domain/principal";
import { appRouter } from "../../src/router";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

/**
 * Who may call what. Every procedure of the router must be listed: a new one fails the first
 * test until someone decides who may call it. `support` reads what the back office reads and
 * adds notes; it changes nothing else.
 */
const access: Record<string, readonly Role[] | "public"> = {
  "auth.createSignInCode": ["backoffice", "support"],
  "auth.signIn": "public",
  "clock.advance": ["backoffice"],
  "clock.now": ["customer", "checkout", "backoffice", "support"],
  "clock.read": ["customer", "checkout", "backoffice", "support"],
  "deadLetters.list": ["backoffice", "support"],
  "deadLetters.retry": ["backoffice"],
  "exports.list": ["backoffice", "support"],
  "exports.retry": ["backoffice"],
  "invoices.document": ["customer", "backoffice", "support"],
  "invoices.get": ["customer", "backoffice", "support"],
  "invoices.list": ["customer", "backoffice", "support"],
  "invoices.resend": ["backoffice"],
  "mails.list": ["backoffice", "support"],
  "orders.addNote": ["backoffice", "support"],
  "orders.at": ["backoffice", "support"],
  "orders.cancel": ["customer", "backoffice"],
  "orders.closeCancellationWindow": ["backoffice"],
  "orders.diff": ["backoffice", "support"],
  "orders.events": ["backoffice", "support"],
  "orders.get": ["customer", "backoffice", "support"],
  "orders.history": ["customer", "backoffice", "support"],
  "orders.importEvents": ["backoffice"],
  "orders.list": ["customer", "backoffice", "support"],
  "orders.matrix": ["backoffice", "support"],
  "orders.place": ["checkout"],
  "orders.setCustomReference": ["backoffice"],
  "orders.trigger": ["backoffice"],
  "outbox.dead": ["backoffice", "support"],
  "outbox.list": ["backoffice", "support"],
  "outbox.retry": ["backoffice"],
  "processes.get": ["backoffice", "support"],
  "processes.list": ["backoffice", "support"],
  "processes.migrate": ["backoffice"],
  "processes.migration": ["backoffice", "support"],
  "processes.usage": ["backoffice", "support"],
  "reservations.get": ["checkout", "backoffice", "support"],
  "shipments.create": ["backoffice"],
  "shipments.moveItems": ["backoffice"],
  "shipments.update": ["backoffice"],
};

const procedures = Object.entries(appRouter._def.procedures as Record<string, unknown>).map(
  ([path, procedure]) => ({
    path,
    method:
      (procedure as { _def: { type: string } })._def.type === "query"
        ? ("GET" as const)
        : ("POST" as const),
  }),
);
const roles = ["customer", "checkout", "backoffice", "support"] as const satisfies Role[];

describe("who may call each procedure", () => {
  it("lists every procedure of the router", () => {
    expect(Object.keys(access).sort()).toEqual(procedures.map((p) => p.path).sort());
  });

  it("every role and no token, over every procedure: refused exactly where not allowed", async () => {
    const tokens = Object.fromEntries(
      await Promise.all(roles.map(async (r) => [r, await tokenFor(r, `${r}-matrix`)] as const)),
    ) as Record<Role, string>;
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { path, method } of procedures) {
      const allowed = access[path];
      for (const who of [...roles, "no token"] as const) {
        const token = who === "no token" ? undefined : tokens[who];
        // No input at all: the role is checked before the input, so a refusal comes first.
        const res = await call(path, {}, { method, ...(token ? { token } : {}) });
        const code = res.body.error?.data.code;
        const refused = code === "UNAUTHORIZED" || code === "FORBIDDEN" ? code : "let in";
        outcomes.push(`${path} ${who}: ${refused}`);
        const expect =
          allowed === "public" || (who !== "no token" && allowed?.includes(who))
            ? "let in"
            : who === "no token"
              ? "UNAUTHORIZED"
              : "FORBIDDEN";
        expected.push(`${path} ${who}: ${expect}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it("a customer reaches its own order and not another's; support reads but moves nothing", async () => {
    const checkout = await clientAs("checkout", "shop");
    const customer = (reference: string) => ({
      reference,
      email: `${reference}@example.com`,
      firstName: "C",
      lastName: "C",
    });
    const own = await checkout.orders.place.mutate(orderInput({ customer: customer("olga") }));
    const other = await checkout.orders.place.mutate(orderInput({ customer: customer("oskar") }));
    const olga = await tokenFor("customer", "olga");
    for (const [path, method] of [
      ["orders.get", "GET"],
      ["orders.history", "GET"],
    ] as const) {
      expect((await call(path, { reference: own.reference }, { token: olga, method })).status).toBe(
        200,
      );
      expect(
        (await call(path, { reference: other.reference }, { token: olga, method })).status,
      ).toBe(404);
    }
    const list = await call("orders.list", {}, { token: olga, method: "GET" });
    expect(list.status).toBe(200);
    const listed = JSON.stringify(list.body);
    expect(listed).toContain(own.reference);
    expect(listed).not.toContain(other.reference);
    expect(
      (await call("orders.cancel", { reference: other.reference }, { token: olga })).status,
    ).toBe(404);
    expect(
      (await call("orders.cancel", { reference: own.reference }, { token: olga })).status,
    ).toBe(200);

    // Support: the order and what it accepts, yes; an event, even a dry run, no.
    const support = await tokenFor("support", "sam");
    const input = { reference: other.reference };
    expect((await call("orders.get", input, { token: support, method: "GET" })).status).toBe(200);
    expect((await call("orders.events", input, { token: support, method: "GET" })).status).toBe(
      200,
    );
    const dryRun = await call(
      "orders.trigger",
      { ...input, event: "pay", target: { all: true }, dryRun: true },
      { token: support },
    );
    expect(dryRun.status).toBe(403);
    const backoffice = await clientAs("backoffice", "ops");
    expect((await backoffice.orders.get.query(input)).version).toBe(other.version);
  });
});
