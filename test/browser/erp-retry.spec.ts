import { createOrderClient } from "../../src/client";
import { type ErpReceiver, startErpReceiver } from "../e2e/erp-receiver";
import { E2E_SECRETS, type E2EServer, mintToken, startServer } from "../e2e/server";
import { orderInput } from "../order-input";
import { docsScreenshot, expect, test } from "./fixtures";

// A Worker of its own, whose ERP is down for the test's order: deliveries give up after two
// seconds (ERP_EXPORT_GIVE_UP_AFTER) and the cancellation window runs out after three, so the
// failure an operator meets after a day happens within the test.
let receiver: ErpReceiver;
let server: E2EServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  receiver = await startErpReceiver({ secret: E2E_SECRETS.ERP_EXPORT_SECRET });
  server = await startServer({
    vars: {
      ERP_EXPORT_URL: receiver.url,
      ERP_EXPORT_RETRY_DELAY: "500 milliseconds",
      ERP_EXPORT_GIVE_UP_AFTER: "2 seconds",
      ERP_EXPORT_TIMEOUT: "2 seconds",
      CANCELLATION_WINDOW: "3 seconds",
    },
  });
});
test.afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
});

test("a window that ran out says so, and a failed ERP delivery is retried from its page", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const checkout = createOrderClient({
    url: server.url,
    token: await mintToken("checkout", "shop"),
  });
  const api = createOrderClient({ url: server.url, token: await mintToken("backoffice", "bot") });
  const order = await checkout.orders.place.mutate(orderInput());
  const { reference } = order;
  receiver.behave(reference, { down: true });
  for (const event of ["pay", "confirm"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { all: true } });
  // The window runs out on its own; the order is exported, and the ERP refuses it until it fails.
  await expect
    .poll(async () => (await api.exports.list.query({ orderReference: reference })).deliveries, {
      timeout: 30_000,
    })
    .toEqual([expect.objectContaining({ sequence: 1, status: "failed" })]);

  const { code } = await api.auth.createSignInCode.mutate();
  await page.goto(`${server.url}/#code=${code}`);
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  await page.goto(`${server.url}/orders/${reference}`);
  const panel = page.getByRole("region", { name: "Order", exact: true });
  await expect(panel).toContainText("Closed when it ran out, at");
  await expect(panel).not.toContainText("early");
  await expect(page.getByRole("region", { name: "History" })).toContainText(
    "Cancellation window closed when it ran out.",
  );

  // The failure is also among the dead effects, with why.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Failures" })
    .click();
  const effect = page
    .getByRole("region", { name: "Dead effects" })
    .getByRole("table")
    .filter({ hasText: reference })
    .getByRole("row", { name: /ERP delivery/ });
  await expect(effect).toContainText("the ERP answered 503");
  await expect(
    effect.getByRole("button", { name: `Retry ERP delivery of ${reference}` }),
  ).toBeVisible();

  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "ERP deliveries" })
    .click();
  await page.getByLabel("Status").selectOption("failed");
  await page.getByLabel("Order reference").fill(reference);
  await page.getByRole("button", { name: "Show" }).click();
  const row = page.getByRole("row").filter({ hasText: reference });
  await expect(row).toContainText("failed");
  await expect(row).toContainText("the ERP answered 503");
  await docsScreenshot(page, "backoffice-deliveries");
  receiver.behave(reference, {});
  await row.getByRole("button", { name: `Retry delivery 1 of ${reference}` }).click();
  await expect(page.getByRole("status")).toContainText(`Delivery 1 of ${reference} is`);
  await page.getByLabel("Status").selectOption("");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("row").filter({ hasText: reference })).toContainText("delivered", {
    timeout: 20_000,
  });
  expect(receiver.log(reference).received.map((r) => r.sequence)).toEqual([1]);
});
