import { expect, itemRow, openOrder, test, unique } from "./fixtures";

test("pays the whole order with the keyboard only", async ({ page, place, signIn }) => {
  const order = await place({ customOrderReference: unique("PO-KEYS") });
  await openOrder(page, signIn, order.reference);
  const pay = page
    .getByRole("region", { name: "Order", exact: true })
    .getByRole("button", { name: /^pay/ });
  await expect(pay).toBeEnabled();

  // Tab through the page from the top until the order's pay button has the focus.
  await page.locator("body").focus();
  for (let presses = 0; presses < 40; presses++) {
    if (await pay.evaluate((button) => button.matches(":focus"))) break;
    await page.keyboard.press("Tab");
  }
  await expect(pay).toBeFocused();
  await page.keyboard.press("Enter");

  // The dry run opens with the focus on its confirmation.
  const confirm = page.getByRole("dialog").getByRole("button", { name: "Confirm: Mark as paid" });
  await expect(confirm).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(itemRow(page, "S1", "SKU-1")).toContainText("paid");
  await expect(itemRow(page, "S1", "SKU-2")).toContainText("paid");
});
