import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ALARM_RETRY_FIRST_MS } from "../../src/durable/alarm";
import type { OrderObject } from "../../src/durable/order-object";
import { clientAs, orderInput, settled } from "../helpers";

async function place() {
  const checkout = await clientAs("checkout", "shop");
  const order = await checkout.orders.place.mutate(
    orderInput({
      customer: { reference: "alarms", email: "a@example.com", firstName: "A", lastName: "A" },
    }),
  );
  await settled(order.reference);
  return order;
}

/** A clock that fails its next `failures` readings, then reads `at`. */
function faultyClock(at: number, failures: number) {
  let left = failures;
  return () => {
    if (left > 0) {
      left -= 1;
      throw new Error("injected clock fault");
    }
    return at;
  };
}

const alarmOf = (stub: DurableObjectStub<OrderObject>) =>
  runInDurableObject(stub, (_o, state) => state.storage.getAlarm());

const windowClosings = async (reference: string) => {
  const backoffice = await clientAs("backoffice");
  const history = await backoffice.orders.history.query({ reference });
  return history.filter((h) => h.type === "cancellation-window-closed").length;
};

describe("the alarm", () => {
  it("backs off exponentially after failures (5 s, 10 s, 20 s), then fires due timers once", async () => {
    const order = await place();
    const stub = env.ORDERS.getByName(order.reference);
    const due = Date.parse(order.cancellableUntil);
    for (const [attempt, expected] of [1, 2, 4].entries()) {
      // Each run: the first reading of the clock fails (inside the handler), the next works.
      await runInDurableObject(stub, (o: OrderObject) => {
        o.seam.clock = faultyClock(due + attempt, 1);
      });
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      expect(await alarmOf(stub)).toBe(due + attempt + expected * ALARM_RETRY_FIRST_MS);
    }
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = () => due + 10;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await windowClosings(order.reference)).toBe(1);
    // Healthy again: the next wake-up is the next timer (the payment timeout), not a backoff.
    const next = await alarmOf(stub);
    expect(next).toBe(Date.parse(order.placedAt) + 24 * 60 * 60_000);
    await runDurableObjectAlarm(stub);
    expect(await windowClosings(order.reference)).toBe(1);
  });

  it("an exception that escapes alarm() loses nothing: the platform's retry or the next request fires the timer once", async () => {
    const order = await place();
    const stub = env.ORDERS.getByName(order.reference);
    const due = Date.parse(order.cancellableUntil);
    // Both readings fail: the handler cannot even arm its retry, so the error escapes to the
    // platform (which retries alarm() a few times on its own).
    await runInDurableObject(stub, (o: OrderObject) => {
      o.seam.clock = faultyClock(due, 2);
    });
    await expect(runDurableObjectAlarm(stub)).rejects.toThrow("injected clock fault");
    // The platform's retry: the handler runs again and the due timer fires.
    await runInDurableObject(stub, (o: OrderObject) => o.alarm());
    expect(await windowClosings(order.reference)).toBe(1);
    expect(await alarmOf(stub)).toBe(Date.parse(order.placedAt) + 24 * 60 * 60_000);

    // Past every platform retry, the next request fires what is due and re-arms the alarm.
    const second = await place();
    const other = env.ORDERS.getByName(second.reference);
    await runInDurableObject(other, (o: OrderObject) => {
      o.seam.clock = faultyClock(Date.parse(second.cancellableUntil), 2);
    });
    await expect(runDurableObjectAlarm(other)).rejects.toThrow("injected clock fault");
    expect(await alarmOf(other)).toBeNull();
    expect(await windowClosings(second.reference)).toBe(1);
    expect(await alarmOf(other)).toBe(Date.parse(second.placedAt) + 24 * 60 * 60_000);
  });
});
