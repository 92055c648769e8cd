import { address, docsScreenshot, expect, itemRow, openOrder, test, unique } from "./fixtures";

const line = (sku: string, shipment: string, quantity = 2) => ({
  sku,
  name: `Product ${sku}`,
  quantity,
  unitPrice: 1990,
  taxRate: 19,
  isQuantitySplittable: true,
  shipment,
});

test("pay one item, then a shipment, then the whole order after its dry run", async ({
  page,
  place,
  signIn,
}) => {
  const order = await place({
    customOrderReference: unique("PO-PAY"),
    shipments: [
      {
        key: "home",
        address,
        method: { id: "dhl", name: "DHL Paket", carrier: "DHL", price: 490 },
      },
      {
        key: "office",
        address: { ...address, address1: "Office Park 7", city: "Potsdam", zipCode: "14467" },
        method: { id: "ups", name: "UPS Standard", carrier: "UPS", price: 690 },
      },
    ],
    lines: [line("SHIRT-M", "home"), line("MUG-1", "home"), line("LAMP-2", "office", 1)],
  });
  await openOrder(page, signIn, order.reference);

  // One item, by the button in its row.
  const shirt = itemRow(page, "S1", "SHIRT-M");
  await expect(shirt).toContainText("payment pending");
  await shirt.getByRole("button", { name: /^pay/ }).click();
  await expect(shirt).toContainText("paid");
  await expect(page.getByRole("status")).toContainText("Mark as paid: 1 item (2 units) moved");
  await expect(itemRow(page, "S1", "MUG-1")).toContainText("payment pending");

  // A shipment: the dry run says what would move, the confirmation moves it.
  const office = page.getByRole("region", { name: "Shipment S2", exact: true });
  await office.getByRole("button", { name: /^pay: Mark as paid items of shipment S2/ }).click();
  const dryRun = page.getByRole("dialog", { name: /Mark as paid — items of shipment S2: dry run/ });
  await expect(dryRun).toContainText("1 item (1 unit) would move");
  await expect(dryRun).toContainText("LAMP-2");
  await dryRun.getByRole("button", { name: "Confirm: Mark as paid" }).click();
  await expect(dryRun).toBeHidden();
  await expect(itemRow(page, "S2", "LAMP-2")).toContainText("paid");

  // The whole order: what is already paid is skipped, and the dry run says why.
  await page
    .getByRole("region", { name: "Order", exact: true })
    .getByRole("button", { name: /^pay/ })
    .click();
  const all = page.getByRole("dialog", { name: /Mark as paid — all items of the order: dry run/ });
  await expect(all).toContainText("1 item (2 units) would move");
  await expect(all).toContainText("MUG-1");
  await expect(all).toContainText("2 items would be skipped");
  await expect(all).toContainText(/SHIRT-M.*paid/);
  await docsScreenshot(page, "backoffice-dry-run");
  await all.getByRole("button", { name: "Confirm: Mark as paid" }).click();
  await expect(itemRow(page, "S1", "MUG-1")).toContainText("paid");
  await expect(page.getByRole("region", { name: "Order", exact: true })).toContainText("5 paid");
  await expect(page.getByRole("region", { name: "History" })).toContainText(
    /Marked as paid by alice \(back office\): item .* from payment pending to paid/,
  );
  await docsScreenshot(page, "backoffice-order", { fullPage: true });
});
