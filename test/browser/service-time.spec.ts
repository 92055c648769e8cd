import { createOrderClient } from "../../src/client";
import { type E2EServer, mintToken, startServer } from "../e2e/server";
import { orderInput } from "../order-input";
import { expect, test } from "./fixtures";

// A Worker of its own on the adjustable clock (as `npm run seed` leaves it), moved a day ahead
// of the browser's: the page counts and says "ago" from the service's time, not its own.
let server: E2EServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startServer({ vars: { CLOCK: "adjustable" } });
});
test.afterAll(async () => {
  await server?.stop();
});

test("times read from the service's clock a day ahead, not the browser's", async ({ page }) => {
  const checkout = createOrderClient({
    url: server.url,
    token: await mintToken("checkout", "shop"),
  });
  const api = createOrderClient({ url: server.url, token: await mintToken("backoffice", "bot") });
  await api.clock.advance.mutate({ by: "1 day" });
  const order = await checkout.orders.place.mutate(orderInput());
  const { code } = await api.auth.createSignInCode.mutate();
  await page.goto(`${server.url}/#code=${code}`);
  const row = page.getByRole("row").filter({ hasText: order.reference });
  await expect(row).toContainText("just now");
  await page.goto(`${server.url}/orders/${order.reference}`);
  const panel = page.getByRole("region", { name: "Order", exact: true });
  await expect(panel.locator(".countdown")).toHaveText(/^(29|30) min \d+ s left$/);
  await expect(panel).toContainText("(just now)");
  await expect(panel).not.toContainText(/\d+ d \d+ h left/);
});
