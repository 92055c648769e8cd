import { expect, openOrder, test, unique } from "./fixtures";

test("counts the cancellation window down live and closes it early", async ({
  page,
  place,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-WINDOW") });
  await openOrder(page, signIn, order.reference);
  const orderRegion = page.getByRole("region", { name: "Order", exact: true });
  const left = orderRegion.locator("time", { hasText: /\d+ min \d+ s/ });
  const first = await left.textContent();
  // The countdown ticks on its own.
  await expect(left).not.toHaveText(first ?? "");
  await expect(orderRegion).toContainText("The customer can cancel the order.");

  await orderRegion.getByRole("button", { name: "Close the cancellation window" }).click();
  const dialog = page.getByRole("dialog", { name: "Close the cancellation window?" });
  await dialog.getByRole("button", { name: "Close the window" }).click();
  await expect(page.getByRole("status")).toContainText("The cancellation window is closed");
  await expect(orderRegion).toContainText("Closed early by alice (back office) at");
  await expect(
    orderRegion.getByRole("button", { name: "Close the cancellation window" }),
  ).toHaveCount(0);
  await expect(page.getByRole("region", { name: "History" })).toContainText(
    "Cancellation window closed early by alice (back office)",
  );
});
