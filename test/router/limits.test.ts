import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { placeOrderInput } from "../../src/domain/inputs";
import { limits } from "../../src/domain/limits";
import { call, clientAs, orderInput, tokenFor } from "../helpers";

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/** `n` code points, each 4 bytes in UTF-8 (U+1F600 and on): the heaviest text a field takes. */
const heavy = (n: number, seed = 0) =>
  Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f600 + ((i + seed) % 64))).join("");

/**
 * The largest placement the schema accepts: every limit at its maximum at once (lines,
 * shipments, items, item text, string lengths, shipment keys, numbers, the order amount), every text in 4-byte
 * characters, each line spread by an allocation (longer than naming its shipment).
 */
function largestPlacement() {
  const address = {
    firstName: heavy(100),
    lastName: heavy(100),
    company: heavy(255),
    address1: heavy(255),
    address2: heavy(255),
    zipCode: heavy(20),
    city: heavy(100),
    country: "DE",
    phone: heavy(50),
    email: `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}`,
  };
  const shipments = Array.from({ length: limits.maxShipments }, (_, s) => ({
    key: heavy(99) + String.fromCodePoint(0x1f300 + s),
    address,
    method: {
      id: heavy(100),
      name: heavy(255),
      carrier: heavy(100),
      price: limits.maxUnitPrice,
      taxRate: 33.333333333333336,
    },
    requestedDeliveryDate: "2026-12-24",
  }));
  // Quantities at their maximum; unit prices as high as the order amount limit lets them.
  const shipping = limits.maxShipments * limits.maxUnitPrice;
  const unitPrice = Math.floor(
    (limits.maxOrderAmount - shipping) / (limits.maxLines * limits.maxQuantity),
  );
  // One item per line: the item text allowed per item, shared by SKU (at most 100) and name.
  const perItem = limits.maxItemText / limits.maxItems;
  const skuLength = Math.min(100, Math.floor(perItem / 2));
  return {
    idempotencyKey: heavy(limits.maxIdempotencyKeyLength),
    customer: {
      reference: heavy(100),
      email: address.email,
      firstName: heavy(100),
      lastName: heavy(100),
    },
    currency: "EUR",
    priceMode: "gross" as const,
    paymentMethod: heavy(50),
    billingAddress: address,
    customOrderReference: heavy(limits.maxReferenceLength),
    shipments,
    lines: Array.from({ length: limits.maxLines }, (_, i) => ({
      sku: heavy(skuLength, i),
      name: heavy(Math.min(255, perItem - skuLength), i),
      quantity: limits.maxQuantity,
      unitPrice,
      taxRate: 33.333333333333336,
      isQuantitySplittable: false,
      allocations: [
        { shipment: shipments[i % shipments.length]?.key ?? "", quantity: limits.maxQuantity },
      ],
    })),
  };
}

describe("request body limits", () => {
  it("the largest valid placement fits under maxTrpcBodyBytes", () => {
    const placement = largestPlacement();
    const parsed = placeOrderInput.safeParse(placement);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const bytes = utf8Bytes(JSON.stringify(placement));
    console.log(`largest valid placement: ${bytes} bytes; limit ${limits.maxTrpcBodyBytes}`);
    expect(bytes).toBeGreaterThan(0.8 * limits.maxTrpcBodyBytes);
    expect(bytes).toBeLessThan(limits.maxTrpcBodyBytes);
  });

  it("a /trpc body over the limit is 413 with a JSON error, and places nothing", async () => {
    const token = await tokenFor("checkout", "shop");
    const input = orderInput();
    const body = JSON.stringify({ ...input, padding: " ".repeat(limits.maxTrpcBodyBytes) });
    const res = await exports.default.fetch("http://oms.test/trpc/orders.place", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
    });
    expect(res.status).toBe(413);
    const json = (await res.json()) as {
      error: { message: string; data: { code: string; httpStatus: number } };
    };
    expect(json.error.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
    expect(json.error.message).toContain(`${limits.maxTrpcBodyBytes} bytes`);
    // The same key with a normal body places a fresh order: nothing was stored before.
    const placed = await call("orders.place", input, { token });
    expect(placed.status).toBe(200);
  });

  it("a body without Content-Length is measured as it streams", async () => {
    const token = await tokenFor("checkout", "shop");
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > limits.maxTrpcBodyBytes) controller.close();
        else {
          controller.enqueue(chunk);
          sent += chunk.byteLength;
        }
      },
    });
    const res = await exports.default.fetch("http://oms.test/trpc/orders.place", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: stream,
    });
    expect(res.status).toBe(413);
  });
});

describe("tRPC batches", () => {
  /** One batch request: mutations POST their inputs, queries GET them in the URL. */
  const batch = async (paths: string[], inputs: unknown[], token: string, method = "POST") => {
    const body = JSON.stringify(Object.fromEntries(inputs.map((input, i) => [i, input])));
    const url = `http://oms.test/trpc/${paths.join(",")}?batch=1`;
    const res = await exports.default.fetch(
      method === "GET" ? `${url}&input=${encodeURIComponent(body)}` : url,
      {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        ...(method === "POST" ? { body } : {}),
      },
    );
    return { status: res.status, text: await res.text() };
  };

  it("a 1,000-call orders.cancel batch is refused before any call runs, and creates nothing", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(
      orderInput({
        customer: { reference: "carla", email: "c@example.com", firstName: "C", lastName: "C" },
      }),
    );
    const before = (await listDurableObjectIds(env.ORDERS)).length;
    const carla = await tokenFor("customer", "carla");
    // Her own order among 999 made-up ones.
    const references = [
      order.reference,
      ...Array.from({ length: 999 }, (_, i) => `ORD-MADEUP${String(i).padStart(7, "0")}`),
    ];
    const res = await batch(
      references.map(() => "orders.cancel"),
      references.map((reference) => ({ reference })),
      carla,
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain(`at most ${limits.maxBatchCalls} calls`);
    expect(res.text).not.toContain("stack");
    expect((await listDurableObjectIds(env.ORDERS)).length).toBe(before);
    const after = await (await clientAs("backoffice")).orders.get.query({
      reference: order.reference,
    });
    expect(after.version).toBe(order.version);
    expect(after.itemStates).toEqual(order.itemStates);
  });

  it(`a batch of ${limits.maxBatchCalls} calls runs, of ${limits.maxBatchCalls + 1} queries is refused`, async () => {
    const token = await tokenFor("backoffice", "ops");
    const calls = (n: number) =>
      batch(Array(n).fill("processes.list"), Array(n).fill({}), token, "GET");
    const ok = await calls(limits.maxBatchCalls);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toHaveLength(limits.maxBatchCalls);
    const refused = await calls(limits.maxBatchCalls + 1);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`at most ${limits.maxBatchCalls} calls`);
  });

  it("the typed client splits larger batches so that none is refused", async () => {
    const backoffice = await clientAs("backoffice");
    const results = await Promise.all(
      Array.from({ length: limits.maxBatchCalls * 2 + 1 }, () => backoffice.processes.list.query()),
    );
    expect(results).toHaveLength(limits.maxBatchCalls * 2 + 1);
  });
});
