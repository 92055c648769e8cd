import { readFile } from "node:fs/promises";
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
  const dryRun = page.getByRole("dialog", { name: /Generate invoice — all items of the order/ });
  await dryRun.getByRole("button", { name: "Confirm: Generate invoice" }).click();

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
  await expect(page.getByRole("region", { name: "History" })).toContainText(
    /Invoice Invoice-\d+ mailed again, asked by alice \(back office\)/,
  );
});

test("downloads both documents of the invoice and lists its credit notes with theirs", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-EINVOICE") });
  const reference = order.reference;
  for (const event of ["pay", "confirm", "invoice-generate"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { all: true } });
  await openOrder(page, signIn, reference);
  const invoice = page.getByRole("region", { name: "Invoice" });
  await expect(invoice).toContainText(/Invoice-\d+, issued/);
  const number = (await invoice.textContent())?.match(/Invoice-\d+/)?.[0] ?? "";
  await expect(invoice).toContainText("Credit notes");

  const [xml] = await Promise.all([
    page.waitForEvent("download"),
    invoice.getByRole("button", { name: /^Download XML/ }).click(),
  ]);
  expect(xml.suggestedFilename()).toBe(`${number}.xml`);
  const content = await readFile((await xml.path()) ?? "", "utf8");
  expect(content).toContain("<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>");
  expect(content).toContain(`<cbc:ID>${number}</cbc:ID>`);
  const [html] = await Promise.all([
    page.waitForEvent("download"),
    invoice.getByRole("button", { name: /^Download HTML/ }).click(),
  ]);
  expect(html.suggestedFilename()).toBe(`${number}.html`);

  // A unit cancelled after the invoice: its credit note appears, with its own documents.
  const item = order.items[0];
  await api.orders.trigger.mutate({
    reference,
    event: "cancel",
    target: { items: [{ id: item?.id ?? "", quantity: 1 }] },
  });
  await expect(invoice.getByRole("row", { name: /CreditNote-\d+/ })).toBeVisible();
  const credit = (await api.orders.get.query({ reference })).invoice?.creditNotes[0]?.reference;
  const row = invoice.getByRole("row", { name: new RegExp(`^${credit} `) });
  const [creditXml] = await Promise.all([
    page.waitForEvent("download"),
    row.getByRole("button", { name: `Download ${credit} XML (UBL e-invoice)` }).click(),
  ]);
  const creditContent = await readFile((await creditXml.path()) ?? "", "utf8");
  expect(creditContent).toContain("<CreditNote ");
  expect(creditContent).toContain(`<cbc:ID>${number}</cbc:ID>`);
});
