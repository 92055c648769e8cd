import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { OrderObject } from "../../src/durable/order-object";
import { OrderStore } from "../../src/durable/order-store";
import { retryPolicies } from "../../src/durable/outbox";
import { orderReferenceFor } from "../../src/router/orders";
import { clientAs, effectsOf, flakyD1, orderInput } from "../helpers";

const HOUR = 60 * 60_000;

describe("effects that keep failing", () => {
  it("end dead after their attempts, are listed across orders, and a retry delivers them", async () => {
    const input = orderInput({
      customer: {
        reference: "dead-mail",
        email: "dead@example.com",
        firstName: "D",
        lastName: "D",
      },
    });
    const reference = await orderReferenceFor("shop", input.idempotencyKey);
    const stub = env.ORDERS.getByName(reference);
    // D1 is down before the order exists: the confirmation mail (captured in D1) and the
    // projection fail from their first attempt.
    const { db, state } = flakyD1(env.DB);
    let now = Date.now();
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.db = db;
      o.seam.clock = () => now;
    });
    const checkout = await clientAs("checkout", "shop");
    await checkout.orders.place.mutate(input);

    const mailOf = async () => (await effectsOf(stub)).find((e) => e.kind === "mail");
    await vi.waitFor(async () => expect((await mailOf())?.attempts).toBe(1));
    const { maxAttempts } = retryPolicies.mail;
    for (let attempt = 2; attempt <= maxAttempts; attempt++) {
      now += 2 * HOUR; // past any backoff
      await runDurableObjectAlarm(stub);
    }
    const dead = await mailOf();
    expect(dead).toMatchObject({
      status: "dead",
      attempts: maxAttempts,
      nextAttemptAt: null,
      lastError: "D1 is unavailable",
    });
    // Dead effects wait: no alarm keeps trying them.
    now += 10 * 24 * HOUR;
    await runDurableObjectAlarm(stub);
    expect((await mailOf())?.attempts).toBe(maxAttempts);

    // D1 is back: the projection (still trying) carries the dead mail into D1.
    state.down = false;
    now += HOUR; // past the projection's backoff
    await runDurableObjectAlarm(stub);
    const backoffice = await clientAs("backoffice", "ops");
    const listed = await backoffice.outbox.dead.query({});
    expect(listed.orders.find((o) => o.reference === reference)?.effects).toEqual([
      { id: dead?.id, kind: "mail" },
    ]);
    expect(await backoffice.outbox.list.query({ orderReference: reference })).toContainEqual(
      expect.objectContaining({ kind: "mail", status: "dead" }),
    );

    const retried = await backoffice.outbox.retry.mutate({
      orderReference: reference,
      id: dead!.id,
    });
    expect(retried).toMatchObject({ status: "pending", attempts: 0 });
    await vi.waitFor(async () => {
      expect(await mailOf()).toBeUndefined();
      const mails = await backoffice.mails.list.query({ to: "dead@example.com" });
      expect(mails.mails.map((m) => m.subject)).toEqual([`Order confirmation: ${reference}`]);
      const again = await backoffice.outbox.dead.query({});
      expect(again.orders.map((o) => o.reference)).not.toContain(reference);
    });

    const refused = await backoffice.outbox.retry
      .mutate({ orderReference: reference, id: dead!.id })
      .catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain("is not dead");
  });
});

describe("the projection's outbox row", () => {
  it("is one row for the order's life: done once D1 has the order, pending again (a fresh start) when it changes", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    const stub = env.ORDERS.getByName(order.reference);
    const projectionRows = () =>
      runInDurableObject(stub, (_o, state) =>
        state.storage.sql
          .exec<{ id: number; status: string; attempts: number; next_at: number | null }>(
            `SELECT id, status, attempts, next_at FROM outbox WHERE kind = 'projection'`,
          )
          .toArray(),
      );
    const d1Version = async () =>
      (
        await env.DB.prepare(`SELECT version FROM orders WHERE reference = ?`)
          .bind(order.reference)
          .first<{ version: number }>()
      )?.version;

    await vi.waitFor(async () => {
      expect(await d1Version()).toBe(order.version);
      expect(await projectionRows()).toEqual([
        expect.objectContaining({ status: "done", attempts: 0, next_at: null }),
      ]);
    });
    const [first] = await projectionRows();
    // Done is not an effect anyone waits for: operators do not see it.
    expect((await effectsOf(stub)).map((e) => e.kind)).not.toContain("projection");

    const backoffice = await clientAs("backoffice", "ops");
    const paid = await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    await vi.waitFor(async () => {
      expect(await d1Version()).toBe(paid.order.version);
      expect(await projectionRows()).toEqual([
        { id: first!.id, status: "done", attempts: 0, next_at: null },
      ]);
    });
  });

  it("goes after the effects due with it, so D1 hears in the same drain what their attempts changed", async () => {
    const object = env.ORDERS.getByName(`SCHEDULE-${crypto.randomUUID()}`);
    const due = await runInDurableObject(object, (_o, state) => {
      const store = new OrderStore(state.storage);
      const now = Date.now();
      store.transaction(() => {
        store.create();
        // The projection's row is written first and kept: it has the oldest id.
        store.requestProjection(1, now, now);
        store.write(
          {
            items: [],
            timers: [],
            deletedTimers: [],
            history: [],
            effects: [{ kind: "mail", template: "order-confirmation" }],
          },
          1,
          now,
        );
        store.requestProjection(2, now, now);
      });
      return store.dueOutbox(now).map((row) => ({ kind: row.kind, id: row.id }));
    });
    expect(due.map((row) => row.kind)).toEqual(["mail", "projection"]);
    expect(due[1]!.id).toBeLessThan(due[0]!.id);
  });
});
