import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createOrderClient } from "../../src/client";
import { type E2EServer, mintToken, startServer } from "./server";

let server: E2EServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

/**
 * The order objects that hold anything of ours on disk, with their tables. Miniflare keeps each
 * object's name in a table of its own (`__miniflare_do_name`, a local-development artifact), so
 * every object it ever addressed has a file: what counts is what the service wrote into it.
 */
function objectsWithData(): Record<string, string[]> {
  const dir = join(server.persistTo, "v3", "do", "edge-oms-OrderObject");
  const found: Record<string, string[]> = {};
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".sqlite") || file === "metadata.sqlite") continue;
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> '__miniflare_do_name'",
      )
      .all()
      .map((row) => String(row.name));
    db.close();
    if (tables.length > 0) found[file] = tables;
  }
  return found;
}

it("100 lookups of made-up references write nothing into any order object", async () => {
  const checkout = createOrderClient({
    url: server.url,
    token: await mintToken("checkout", "shop"),
  });
  const address = {
    firstName: "A",
    lastName: "B",
    address1: "Main St 1",
    zipCode: "10115",
    city: "Berlin",
    country: "DE",
  };
  await checkout.orders.place.mutate({
    idempotencyKey: "the-one-real-order",
    customer: { reference: "real", email: "real@example.com", firstName: "R", lastName: "R" },
    currency: "EUR",
    paymentMethod: "prepayment",
    billingAddress: address,
    shipments: [{ key: "home", address, method: { id: "dhl", name: "DHL", price: 490 } }],
    lines: [{ sku: "A", name: "A", quantity: 1, unitPrice: 1000, taxRate: 19, shipment: "home" }],
  });
  const before = objectsWithData();
  expect(Object.keys(before)).toHaveLength(1);

  const customer = createOrderClient({
    url: server.url,
    token: await mintToken("customer", "stranger"),
  });
  const statuses = await Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      const reference = `ORD-MADEUP${String(i).padStart(6, "0")}X`;
      const request =
        i % 2
          ? customer.orders.get.query({ reference })
          : customer.orders.cancel.mutate({ reference });
      return request.then(
        () => 200,
        (error: { data?: { httpStatus?: number } }) => error.data?.httpStatus ?? 0,
      );
    }),
  );
  expect(new Set(statuses)).toEqual(new Set([404]));
  expect(objectsWithData()).toEqual(before);
});
