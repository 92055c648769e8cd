import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { limits } from "../../src/domain/limits";
import { clientAs, erpHeaders, orderInput, triggerAll } from "../helpers";
import { seeded } from "../seed";

let ids = 0;

/** Sends a body signed by the standardwebhooks package; options spoil one part of it. */
async function send(
  body: unknown,
  options: {
    key?: string;
    secret?: string;
    at?: Date;
    raw?: string;
    /** Replaces or (null) drops signed headers after signing. */
    headers?: Record<string, string | null>;
  } = {},
) {
  const raw = options.raw ?? JSON.stringify(body);
  const id = options.key ?? `msg-${++ids}-${Math.random()}`;
  const headers: Record<string, string> = erpHeaders(raw, id, options);
  for (const [name, value] of Object.entries(options.headers ?? {}))
    if (value === null) delete headers[name];
    else headers[name] = value;
  const res = await exports.default.fetch("http://oms.test/webhooks/erp", {
    method: "POST",
    headers,
    body: raw,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      ok: boolean;
      order?: { version: number; itemStates: Record<string, number> };
      error?: { code: string; message: string };
    },
  };
}

async function readyToShip(customOrderReference?: string) {
  const checkout = await clientAs("checkout", "shop");
  const order = await checkout.orders.place.mutate(
    orderInput(customOrderReference ? { customOrderReference } : {}),
  );
  const backoffice = await clientAs("backoffice");
  await backoffice.orders.closeCancellationWindow.mutate({ reference: order.reference });
  await triggerAll(order.reference, ["pay", "confirm"]);
  await vi.waitFor(async () => {
    const row = await env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
      .bind(order.reference)
      .first<{ version: number }>();
    expect(row?.version).toBeGreaterThan(order.version);
  });
  return backoffice.orders.get.query({ reference: order.reference });
}

const shipBody = (reference: string) => ({
  type: "order.items.event",
  order: { reference },
  event: "ship",
  target: { all: true },
  data: { trackingNumber: "00340434161094042557", carrier: "DHL" },
});

describe("ERP webhook signature", () => {
  it("accepts a body signed by the standardwebhooks package, also among several signatures", async () => {
    const order = await readyToShip();
    const raw = JSON.stringify(shipBody(order.reference));
    const rotating = erpHeaders(raw, "rotation-1", {
      secret: `whsec_${btoa("an-old-secret-being-rotated-out")}`,
    });
    const current = erpHeaders(raw, "rotation-1");
    const res = await send(null, {
      raw,
      key: "rotation-1",
      headers: {
        "webhook-signature": `${rotating["webhook-signature"]} ${current["webhook-signature"]}`,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.order?.itemStates).toEqual({ shipped: 4 });
  });

  it("rejects a missing, wrong, tampered, stale or future signature with 401 and changes nothing", async () => {
    const order = await readyToShip();
    const body = shipBody(order.reference);
    const raw = JSON.stringify(body);
    const good = erpHeaders(raw, "tampered-1");
    const now = Date.now();
    const failures = [
      await send(body, { headers: { "webhook-signature": null } }),
      await send(body, { headers: { "webhook-id": null } }),
      await send(body, { headers: { "webhook-timestamp": null } }),
      await send(body, { secret: `whsec_${btoa("a-wrong-secret-of-thirty-two-by")}` }),
      await send(body, {
        key: "tampered-1",
        raw: raw.replace("ship", "deliver"),
        headers: { "webhook-signature": good["webhook-signature"] ?? "" },
      }),
      // Signed for another id: the id is part of what is signed.
      await send(body, {
        key: "tampered-2",
        headers: { "webhook-signature": good["webhook-signature"] ?? "" },
      }),
      await send(body, { at: new Date(now - 301_000) }),
      // Dated when sent: the requests before it take time, which brings a date taken earlier
      // back into the 300 s tolerance on a busy machine.
      await send(body, { at: new Date(Date.now() + 301_000) }),
      await send(body, { headers: { "webhook-signature": "garbage" } }),
      await send(body, { headers: { "webhook-timestamp": "yesterday" } }),
    ];
    for (const f of failures) {
      expect(f.status).toBe(401);
      expect(f.body.error?.code).toBe("UNAUTHORIZED");
    }
    expect(failures[6]?.body.error?.message).toMatch(/too old/);
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      order.version,
    );
  });
});

describe("ERP webhook commands", () => {
  it("ships with tracking: the shipment shows it, the history names the ERP", async () => {
    const order = await readyToShip();
    const res = await send(shipBody(order.reference));
    expect(res.status).toBe(200);
    expect(res.body.order?.itemStates).toEqual({ shipped: 4 });
    const backoffice = await clientAs("backoffice");
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.shipments[0]?.tracking).toEqual({
      trackingNumber: "00340434161094042557",
      carrier: "DHL",
    });
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.find((h) => h.event === "ship")).toMatchObject({
      actor: "erp",
      data: { trackingNumber: "00340434161094042557", carrier: "DHL" },
    });
  });

  it("a replay with the same key applies once and answers the first response again", async () => {
    const order = await readyToShip();
    const first = await send(shipBody(order.reference), { key: "ship-1" });
    const replay = await send(shipBody(order.reference), { key: "ship-1" });
    expect(replay).toEqual(first);
    const backoffice = await clientAs("backoffice");
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.event === "ship")).toHaveLength(1);
  });

  it("a replay of a refused request gets the same refusal and status", async () => {
    const order = await readyToShip();
    const body = { ...shipBody(order.reference), event: "refund" };
    const first = await send(body, { key: "refund-1" });
    expect(first.status).toBe(412);
    expect(await send(body, { key: "refund-1" })).toEqual(first);
  });

  it("closing the cancellation window through the ERP closes it for the order, once", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    const body = { ...shipBody(order.reference), event: "cancellation-window-closed" };
    const { data: _data, ...withoutData } = body;
    expect((await send(withoutData)).status).toBe(200);
    const backoffice = await clientAs("backoffice");
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.isCancellable).toBe(false);
    expect(after.cancellationWindowClosedAt).not.toBeNull();
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.filter((h) => h.type === "cancellation-window-closed")).toEqual([
      expect.objectContaining({ actor: "erp" }),
    ]);
    expect((await send(withoutData)).status).toBe(412);
  });

  it("the same key with another body is 422", async () => {
    const order = await readyToShip();
    await send(shipBody(order.reference), { key: "k-422" });
    const other = await send(
      { ...shipBody(order.reference), data: { trackingNumber: "X" } },
      { key: "k-422" },
    );
    expect(other.status).toBe(422);
  });

  it("finds an order by the buyer's reference; sets and clears the reference; the history says who", async () => {
    const order = await readyToShip("PO-ERP-7781");
    const res = await send({
      type: "order.custom-reference.set",
      order: { customOrderReference: "PO-ERP-7781" },
      customOrderReference: "PO-ERP-7781-A",
    });
    expect(res.status).toBe(200);
    const backoffice = await clientAs("backoffice");
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.customOrderReference).toBe("PO-ERP-7781-A");
    const history = await backoffice.orders.history.query({ reference: order.reference });
    expect(history.at(-1)).toMatchObject({
      type: "custom-reference",
      actor: "erp",
      data: { from: "PO-ERP-7781", to: "PO-ERP-7781-A" },
    });
  });

  it("an ambiguous custom reference is 409, an unknown one 404", async () => {
    await readyToShip("PO-TWICE");
    await readyToShip("PO-TWICE");
    const ambiguous = await send({ ...shipBody("x"), order: { customOrderReference: "PO-TWICE" } });
    expect(ambiguous.status).toBe(409);
    const unknown = await send({ ...shipBody("x"), order: { customOrderReference: "PO-NOBODY" } });
    expect(unknown.status).toBe(404);
    const unknownRef = await send(shipBody("ORD-NOSUCHORDER"));
    expect(unknownRef.status).toBe(404);
  });

  it("bad bodies are 400 naming the field; an id over 255 characters is 401; more than 1 MiB is 413", async () => {
    const order = await readyToShip();
    const bad = await send({ ...shipBody(order.reference), target: { shipmentId: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/target/);
    expect((await send(shipBody(order.reference), { key: "k".repeat(256) })).status).toBe(401);
    expect((await send(null, { raw: "{not json" })).status).toBe(400);
    const huge = { ...shipBody(order.reference), padding: "x".repeat(limits.maxWebhookBodyBytes) };
    const tooLarge = await send(huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toEqual({
      code: "PAYLOAD_TOO_LARGE",
      message: `the body exceeds ${limits.maxWebhookBodyBytes} bytes`,
    });
  });

  it("a lone surrogate in the body is 400 naming the field, and changes nothing", async () => {
    const order = await readyToShip("PO-SURROGATE");
    const res = await send({
      type: "order.custom-reference.set",
      order: { reference: order.reference },
      customOrderReference: "\ud800lone",
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^customOrderReference: .*well-formed/);
    const lookup = await send({
      ...shipBody(order.reference),
      order: { customOrderReference: "PO-\udc00" },
    });
    expect(lookup.status).toBe(400);
    expect(lookup.body.error?.message).toMatch(/^order/);
    const backoffice = await clientAs("backoffice");
    const after = await backoffice.orders.get.query({ reference: order.reference });
    expect(after.customOrderReference).toBe("PO-SURROGATE");
    expect(after.version).toBe(order.version);
  });

  it("1,000 random malformed bodies all get 4xx and change nothing", async () => {
    // Items wait for payment, so even a body that happens to be valid cannot ship them (412).
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput());
    const valid = shipBody(order.reference);
    const count = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM orders").first<{ n: number }>())?.n;
    const projected = () =>
      env.DB.prepare("SELECT version FROM orders WHERE reference = ?")
        .bind(order.reference)
        .first();
    await vi.waitFor(async () => expect(await projected()).toEqual({ version: order.version }));
    const before = await count();
    const mutated = fc.oneof(
      fc.json().map((raw) => ({ raw })),
      fc.string().map((raw) => ({ raw })),
      fc
        .record({
          field: fc.constantFrom("type", "order", "event", "target", "data"),
          value: fc.jsonValue(),
        })
        .map(({ field, value }) => ({ raw: JSON.stringify({ ...valid, [field]: value }) })),
      fc
        .record({ field: fc.constantFrom("type", "order", "event", "target"), extra: fc.string() })
        .map(({ field, extra }) => {
          const { [field as keyof typeof valid]: _drop, ...rest } = valid;
          return { raw: JSON.stringify({ ...rest, [extra || "x"]: 1 }) };
        }),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async ({ raw }) => {
        const res = await send(null, { raw });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 1000, ...seeded("malformed webhook bodies") },
    );
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).version).toBe(
      order.version,
    );
    expect(await count()).toBe(before);
    // A thousand requests, each signed, checked, recorded by id in D1: slow when the machine is busy.
  }, 90_000);
});
