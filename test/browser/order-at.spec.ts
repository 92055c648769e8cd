import { expect, openOrder, test } from "./fixtures";

test("a history entry opens the order as it was then, with what changed since", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({}, 2);
  const { reference } = order;
  await api.orders.trigger.mutate({ reference, event: "pay", target: { items: [{ id: "I1" }] } });
  await openOrder(page, signIn, reference);
  const history = page.getByRole("region", { name: "History" });
  // Newest first: the last entry is the placement's.
  await history
    .getByRole("listitem")
    .filter({ hasText: "placed" })
    .getByRole("link", { name: "show the order as at this entry" })
    .click();
  await expect(
    page.getByRole("heading", { name: `Order ${reference} as at version 1`, level: 1 }),
  ).toBeVisible();
  const items = page.getByRole("table", { name: "Items at version 1" });
  await expect(items.getByRole("row", { name: /^I1 SKU-1 2 payment pending S1/ })).toBeVisible();
  await expect(page.getByRole("region", { name: /What changed up to version/ })).toContainText(
    "I1 (SKU-1): 2 payment-pending in S1 → 2 paid in S1",
  );
  await page.getByRole("link", { name: "Back to the order" }).click();
  await expect(page.getByRole("heading", { name: `Order ${reference}`, level: 1 })).toBeVisible();
});
