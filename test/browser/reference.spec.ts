import { expect, openOrder, test, unique } from "./fixtures";

test("edits and clears the custom reference, and the list finds it", async ({
  page,
  place,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-OLD") });
  await openOrder(page, signIn, order.reference);
  const orderRegion = page.getByRole("region", { name: "Order", exact: true });
  const field = orderRegion.getByLabel("Custom reference");

  const renamed = unique("PO-NEW");
  await field.fill(renamed);
  await orderRegion.getByRole("button", { name: "Save reference" }).click();
  await expect(page.getByRole("status")).toHaveText(`Custom reference set to “${renamed}”.`);
  await expect(page.getByRole("region", { name: "History" })).toContainText(
    "Custom reference changed from",
  );

  await orderRegion.getByRole("button", { name: "Clear reference" }).click();
  await expect(page.getByRole("status")).toHaveText("Custom reference cleared.");
  await expect(field).toHaveValue("");
  await expect(orderRegion.getByRole("button", { name: "Clear reference" })).toBeDisabled();

  // The list reads D1, which has followed: the old reference finds nothing any more.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Orders" })
    .click();
  const find = page.getByRole("search", { name: "Find orders" });
  await find.getByLabel("Search").fill(renamed);
  await find.getByRole("button", { name: "Search" }).click();
  await expect(
    page.getByRole("table").getByRole("cell", { name: "No orders match." }),
  ).toBeVisible();
});
