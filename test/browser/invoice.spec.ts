import { expect, openOrder, test, unique } from "./fixtures";

test("generates an invoice, shows it and mails it again", async ({
  page,
  place,
  api,
  signIn,
  consoleErrors,
}) => {
  // Reading inside the sandboxed frame, Playwright's own helper script is refused there (the
  // invoice itself has no script): Chromium logs that refusal as an error.
  consoleErrors.allow(/^Blocked script execution in 'about:srcdoc'/);
  const order = await place({ customOrderReference: unique("PO-INVOICE") });
  for (const event of ["pay", "confirm"] as const)
    await api.orders.trigger.mutate({ reference: order.reference, event, target: { all: true } });
  await openOrder(page, signIn, order.reference);

  const orderRegion = page.getByRole("region", { name: "Order", exact: true });
  await orderRegion.getByRole("button", { name: /^invoice-generate/ }).click();
  const dryRun = page.getByRole("dialog", { name: /invoice-generate all items of the order/ });
  await dryRun.getByRole("button", { name: "Confirm invoice-generate" }).click();

  // The queue numbers, stores and mails it; the page learns of it without a reload.
  const invoice = page.getByRole("region", { name: "Invoice" });
  await expect(invoice).toContainText(/Invoice-\d+, issued/);
  const number = (await invoice.textContent())?.match(/Invoice-\d+/)?.[0] ?? "";

  await invoice.getByRole("button", { name: "View invoice" }).click();
  const document = page.frameLocator(`iframe[title="Invoice ${number}"]`);
  await expect(document.getByText(number).first()).toBeVisible();
  await expect(document.getByText(order.reference).first()).toBeVisible();

  await invoice.getByRole("button", { name: "Resend invoice" }).click();
  await expect(page.getByRole("status")).toHaveText(`Invoice ${number} mailed again.`);
  await expect(page.getByRole("region", { name: "History" })).toContainText("invoice resent");
});
