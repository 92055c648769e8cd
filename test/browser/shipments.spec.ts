import { expect, itemRow, openOrder, test, unique } from "./fixtures";

test("creates a shipment by moving part of a splittable line, then edits it", async ({
  page,
  place,
  signIn,
}) => {
  const order = await place({
    customOrderReference: unique("PO-SPLIT"),
    lines: [
      {
        sku: "BOLT-10",
        name: "Bolts",
        quantity: 10,
        unitPrice: 50,
        taxRate: 19,
        isQuantitySplittable: true,
        shipment: "home",
      },
      {
        sku: "PALLET-1",
        name: "Pallet",
        quantity: 3,
        unitPrice: 9900,
        taxRate: 19,
        isQuantitySplittable: false,
        shipment: "home",
      },
    ],
  });
  await openOrder(page, signIn, order.reference);

  await itemRow(page, "S1", "BOLT-10").getByRole("button", { name: /^Move/ }).click();
  const move = page.getByRole("dialog", { name: "Move I1 (BOLT-10)" });
  await move.getByLabel("Quantity to move (of 10)").fill("4");
  await expect(move.getByLabel("Into")).toHaveValue("new");
  await move.getByLabel("City").fill("Hamburg");
  await move.getByLabel("Zip code").fill("20095");
  await move.getByLabel("Method name").fill("Express");
  await move.getByRole("button", { name: "Create shipment and move" }).click();
  await expect(move).toBeHidden();

  await expect(page.getByRole("status")).toContainText("Shipment S2 created");
  const moved = itemRow(page, "S2", "BOLT-10");
  await expect(moved.getByRole("cell").nth(3)).toHaveText("4");
  await expect(itemRow(page, "S1", "BOLT-10").getByRole("cell").nth(3)).toHaveText("6");
  const s2 = page.getByRole("region", { name: "Shipment S2", exact: true });
  await expect(s2).toContainText("20095 Hamburg, DE");
  await expect(s2).toContainText("Express");

  // A non-splittable line moves whole: the dialog does not ask for a quantity.
  await itemRow(page, "S1", "PALLET-1").getByRole("button", { name: /^Move/ }).click();
  const pallet = page.getByRole("dialog", { name: "Move I2 (PALLET-1)" });
  await expect(pallet).toContainText("All 3 units: this line is not splittable.");
  await pallet.getByRole("button", { name: "Cancel" }).click();
  await expect(pallet).toBeHidden();

  await s2.getByRole("button", { name: "Edit shipment S2" }).click();
  const edit = page.getByRole("dialog", { name: "Edit shipment S2" });
  await edit.getByLabel("Requested delivery date").fill("2030-05-17");
  await edit.getByLabel("Street and number").fill("Speicherstadt 3");
  await edit.getByRole("button", { name: "Save shipment" }).click();
  await expect(edit).toBeHidden();
  await expect(s2).toContainText("Requested delivery: 2030-05-17");
  await expect(s2).toContainText("Speicherstadt 3");
  // Back-office edits never change what the order costs.
  await expect(page.getByRole("region", { name: "Order", exact: true })).toContainText(
    "Grand total",
  );
  await expect(page.getByRole("region", { name: "History" })).toContainText("shipment");
});

test("says which field is wrong when a shipment edit is refused, and changes nothing", async ({
  page,
  place,
  signIn,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 400/);
  const order = await place({ customOrderReference: unique("PO-BADSHIP") });
  await openOrder(page, signIn, order.reference);
  const s1 = page.getByRole("region", { name: "Shipment S1", exact: true });
  await s1.getByRole("button", { name: "Edit shipment S1" }).click();
  const edit = page.getByRole("dialog", { name: "Edit shipment S1" });
  await edit.getByLabel("Country (ISO code, e.g. DE)").fill("Germany");
  await edit.getByRole("button", { name: "Save shipment" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "address.country: must be an ISO 3166-1 alpha-2 code such as DE",
  );
  await edit.getByRole("button", { name: "Cancel" }).click();
  await expect(s1).toContainText("10115 Berlin, DE");
});
