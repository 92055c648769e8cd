import { expect, itemRow, openOrder, test, unique } from "./fixtures";

test("opens a 10,000-line order and acts on its last line", async ({ page, place, signIn }) => {
  test.slow();
  const order = await place({ customOrderReference: unique("PO-LARGE") }, 10_000);
  await openOrder(page, signIn, order.reference);
  const s1 = page.getByRole("region", { name: "Shipment S1", exact: true });
  await expect(s1.getByRole("table")).toContainText("10,000 items in shipment S1");
  await expect(itemRow(page, "S1", "SKU-1")).toContainText("payment pending");
  // Only the rows in view are in the page.
  expect(await s1.getByRole("row").count()).toBeLessThan(100);

  await s1.getByLabel("Find items in shipment S1").fill("SKU-10000");
  const last = itemRow(page, "S1", "SKU-10000");
  await last.getByRole("button", { name: /^pay/ }).click();
  await expect(last).toContainText("paid");
  await expect(page.getByRole("region", { name: "Order", exact: true })).toContainText(
    "19,998 payment pending",
  );
});
