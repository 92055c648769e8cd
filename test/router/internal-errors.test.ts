import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, clientAs, erpRequest, orderInput, tokenFor } from "../helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Pins a stored order to a process that is not registered, as if a version had been removed
 * from the registry: every read of the order then throws inside its Durable Object.
 */
async function pinToProcess(reference: string, process: string) {
  const stub = env.ORDERS.getByName(reference);
  await runInDurableObject(stub, (_object, state) => {
    state.storage.sql.exec(
      "UPDATE order_header SET data = json_set(data, '$.process', ?)",
      process,
    );
  });
  // The object caches the order in memory: start it afresh from storage.
  await evictDurableObject(stub);
}

/** The JSON log lines written with console.error while `run` ran. */
async function errorLogs(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, "error");
  try {
    await run();
    return spy.mock.calls.flatMap(([first]) => {
      if (typeof first !== "string") return [];
      try {
        return [JSON.parse(first) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  } finally {
    spy.mockRestore();
  }
}

describe("no internal message reaches a caller", () => {
  let broken: string | undefined;
  afterEach(async () => {
    // Leave the object healthy: its alarm keeps running after the test.
    if (broken) await pinToProcess(broken, "payment@1");
    broken = undefined;
  });

  it("an exception inside the order object is 'internal error' with an id that the log carries", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    broken = order.reference;
    await pinToProcess(order.reference, "retired-process@7");

    const token = await tokenFor("backoffice", "ops");
    let res: Awaited<ReturnType<typeof call>> | undefined;
    const logs = await errorLogs(async () => {
      res = await call("orders.get", { reference: order.reference }, { token, method: "GET" });
    });
    expect(res?.status).toBe(500);
    const error = res?.body.error;
    expect(error?.message).toBe("internal error");
    expect(error?.data.code).toBe("INTERNAL_SERVER_ERROR");
    expect(error?.data.errorId).toMatch(UUID);
    expect(error?.data.stack).toBeUndefined();
    expect(JSON.stringify(res?.body)).not.toMatch(/retired-process|pinned|process/);

    const line = logs.find((l) => l.errorId === error?.data.errorId);
    expect(line).toMatchObject({ level: "error", message: "internal error", path: "orders.get" });
    expect(String(line?.error)).toContain("retired-process@7");
  });

  it("the same through a mutation and the typed client", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    broken = order.reference;
    await pinToProcess(order.reference, "retired-process@7");
    const backoffice = await clientAs("backoffice");
    const failure = await backoffice.orders.trigger
      .mutate({ reference: order.reference, event: "pay", target: { all: true } })
      .catch((e: unknown) => e as { message: string; data?: { errorId?: string } });
    expect(failure).toMatchObject({ message: "internal error" });
    expect((failure as { data?: { errorId?: string } }).data?.errorId).toMatch(UUID);
  });

  it("a webhook that fails inside the order object is 500 'internal error' with an id", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    broken = order.reference;
    await pinToProcess(order.reference, "retired-process@7");
    const webhook = {
      type: "order.items.event",
      order: { reference: order.reference },
      event: "pay",
      target: { all: true },
    };
    let res: Response | undefined;
    const logs = await errorLogs(async () => {
      res = await exports.default.fetch(erpRequest(webhook, `internal-${Math.random()}`));
    });
    expect(res?.status).toBe(500);
    const text = (await res?.text()) ?? "";
    expect(text).not.toMatch(/retired-process|process/);
    const body = JSON.parse(text) as { error: { code: string; message: string; errorId: string } };
    expect(body.error).toEqual({
      code: "INTERNAL_SERVER_ERROR",
      message: "internal error",
      errorId: expect.stringMatching(UUID),
    });
    const line = logs.find((l) => l.errorId === body.error.errorId);
    expect(String(line?.error)).toContain("retired-process@7");
  });

  it("a broken configuration read by the router is 'internal error' too", async () => {
    const token = await tokenFor("checkout", "shop");
    const misconfigured = { ...env, PAYMENT_PROCESSES: '{"prepayment":"payment@99"}' } as Env;
    let res: Awaited<ReturnType<typeof call>> | undefined;
    const logs = await errorLogs(async () => {
      res = await call("orders.place", orderInput(), { token, env: misconfigured });
    });
    expect(res?.status).toBe(500);
    expect(res?.body.error?.message).toBe("internal error");
    expect(JSON.stringify(res?.body)).not.toContain("payment@99");
    const line = logs.find((l) => l.errorId === res?.body.error?.data.errorId);
    expect(String(line?.error)).toContain("payment@99");
  });
});
