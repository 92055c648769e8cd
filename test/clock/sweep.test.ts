/**
 * The scheduled sweep under CLOCK=adjustable: ERP deliveries are dated by the service's clock, so
 * the sweep must read that clock, not the real time, to see which ones are overdue.
 */
import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { erpReceiver } from "../erp-receiver-client";
import { clientAs, orderInput, triggerAll } from "../helpers";

const received = async (reference: string) =>
  (await erpReceiver.log(reference)).received.map((r) => `${r.sequence} ${r.type}`);

describe("the scheduled sweep on the adjustable clock", () => {
  it("sends a delivery overdue by the service's clock whose alarm was lost, though no real time passed", async () => {
    const checkout = await clientAs("checkout", "shop");
    const { reference } = await checkout.orders.place.mutate(
      orderInput(
        {
          customer: {
            reference: "clock-sweep",
            email: "s@example.com",
            firstName: "S",
            lastName: "S",
          },
        },
        1,
      ),
    );
    await triggerAll(reference, ["pay", "confirm"]);
    // The ERP refuses the first attempt: the delivery backs off (30 s of the service's time).
    await erpReceiver.behave(reference, { failFirst: 1 });
    const backoffice = await clientAs("backoffice", "clock");
    await backoffice.orders.closeCancellationWindow.mutate({ reference });
    await vi.waitFor(async () => {
      const [listed] = (await backoffice.exports.list.query({ orderReference: reference }))
        .deliveries;
      expect(listed).toMatchObject({ status: "pending", attempts: 1 });
      expect(listed?.nextAttemptAt).not.toBeNull();
    });
    // The alarm is lost; an hour of the service's time passes, none of the real time.
    await runInDurableObject(env.ORDERS.getByName(reference), (_o, state) =>
      state.storage.deleteAlarm(),
    );
    await backoffice.clock.advance.mutate({ by: "1 hour" });
    expect(await received(reference)).toEqual([]);

    const controller = createScheduledController({
      scheduledTime: Date.now(),
      cron: "*/5 * * * *",
    });
    await worker.scheduled(controller, env);
    await vi.waitFor(async () => expect(await received(reference)).toEqual(["1 order.exported"]));
  });
});
