import { expect, test } from "./fixtures";

// Other tests share the service and its payment@1 orders: this one maps only `returned` (no
// other test returns items), so its real run moves its own order and leaves theirs as they are
// (listed as unable to move, unchanged).
test("the processes page shows each version with its orders, a dry run and a migration's progress", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({ paymentMethod: "prepayment" }, 1);
  const { reference } = order;
  // Waiting for payment: a state the map leaves out, so this one cannot move.
  const waiting = await place({ paymentMethod: "prepayment" }, 1);
  for (const event of ["pay", "confirm"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { all: true } });
  await api.orders.closeCancellationWindow.mutate({ reference });
  for (const event of ["ship", "deliver", "return"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { all: true } });

  await signIn("/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Processes" })
    .click();
  await expect(page.getByRole("heading", { name: "Processes", level: 1 })).toBeVisible();
  const versions = page.getByRole("table", { name: /Registered process versions/ });
  await expect(versions.getByRole("row", { name: /^payment@2/ })).toBeVisible();
  // The read model lists the order on payment@1, running.
  await expect(async () => {
    await page.reload();
    const row = page.getByRole("table", { name: /Registered process versions/ }).getByRole("row", {
      name: /^payment@1/,
    });
    await expect(row.getByRole("cell").nth(2)).not.toHaveText(/^0$|…/, { timeout: 1_000 });
  }).toPass();

  const migration = page.getByRole("region", { name: "Migrate running orders" });
  await expect(migration.getByLabel("From", { exact: true })).toHaveValue("payment@1");
  await expect(migration.getByLabel("To", { exact: true })).toHaveValue("payment@2");
  // Prefilled with the states both versions share; leave out all but `returned`.
  for (const select of await migration.getByRole("combobox", { name: / goes to$/ }).all())
    if ((await select.getAttribute("aria-label")) !== "returned goes to")
      await select.selectOption("");
  await expect(migration.getByLabel("returned goes to")).toHaveValue("returned");

  await migration.getByRole("button", { name: "Dry run" }).click();
  const dry = migration.getByLabel("Dry run");
  await expect(dry.getByRole("status")).toContainText("orders would move");
  const moves = dry.getByRole("table", { name: "What would move where" });
  await expect(moves.getByRole("row", { name: /^returned returned/ })).toBeVisible();
  await expect(
    dry.getByRole("table", { name: "Orders that cannot move" }).getByRole("row", {
      name: new RegExp(`^${waiting.reference} unmapped-state payment-pending`),
    }),
  ).toBeVisible();

  await migration.getByRole("button", { name: /^Migrate/ }).click();
  const progress = migration.getByLabel("Migration progress");
  await expect(progress).toContainText("finished", { timeout: 30_000 });
  await expect(progress.getByRole("table", { name: "What moved where" })).toContainText("returned");
  await expect
    .poll(async () => (await api.orders.get.query({ reference })).process)
    .toBe("payment@2");
  const left = await api.orders.get.query({ reference: waiting.reference });
  expect([left.process, left.version]).toEqual(["payment@1", waiting.version]);
});
