import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createOrderClient } from "../../src/client";
import { mintToken } from "../e2e/server";
import { orderLines } from "../order-input";
import { docsScreenshot, expect, itemRow, openOrder, test, unique } from "./fixtures";

const eur = (minor: number) =>
  new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" }).format(minor / 100);

/** Signs the page in as `role` by a one-time link that role made, then opens `path`. */
async function signInAs(page: Page, omsUrl: string, role: "support" | "backoffice", path = "/") {
  const client = createOrderClient({ url: omsUrl, token: await mintToken(role, `${role}-sam`) });
  const { code } = await client.auth.createSignInCode.mutate();
  await page.goto(`${omsUrl}/#code=${code}`);
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  if (path !== "/") await page.goto(`${omsUrl}${path}`);
}

/** The page never scrolls sideways: what is wide scrolls inside itself. */
async function expectNoSidewaysScroll(page: Page) {
  // The outermost elements past the right edge, to name what widened the page.
  const [scrollWidth, clientWidth, widest] = await page.evaluate<[number, number, string]>(
    `[document.documentElement.scrollWidth, document.documentElement.clientWidth,
      [...document.querySelectorAll("body *")].filter((e) => {
        const w = document.documentElement.clientWidth + 1;
        return e.getBoundingClientRect().right > w && e.parentElement.getBoundingClientRect().right <= w;
      }).map((e) => e.tagName + "." + e.className).slice(0, 5).join("; ")]`,
  );
  expect(scrollWidth, `wider than the screen: ${widest}`).toBeLessThanOrEqual(clientWidth);
}

test("the totals say what was refunded, for the order and per item", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({}, 2);
  const { reference } = order;
  const [first, second] = order.items;
  if (!first || !second) throw new Error("two items placed");
  await api.orders.trigger.mutate({ reference, event: "pay", target: { all: true } });
  // One item cancelled after payment; the other confirmed, shipped, delivered, returned, refunded.
  await api.orders.trigger.mutate({
    reference,
    event: "cancel",
    target: { items: [{ id: first.id }] },
  });
  await api.orders.trigger.mutate({
    reference,
    event: "confirm",
    target: { items: [{ id: second.id }] },
  });
  await api.orders.closeCancellationWindow.mutate({ reference });
  for (const event of ["ship", "deliver", "return", "refund"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { items: [{ id: second.id }] } });
  const view = await api.orders.get.query({ reference });
  expect(view.totals.refundedTotal).toBeGreaterThan(0);

  await openOrder(page, signIn, reference);
  const panel = page.getByRole("region", { name: "Order", exact: true });
  const totals = panel.locator("dl.totals");
  await expect(totals.getByText("Refunded", { exact: true })).toBeVisible();
  await expect(totals).toContainText(`Refunded${eur(view.totals.refundedTotal)}`);
  await expect(totals).toContainText(`Canceled${eur(view.totals.canceledTotal)}`);
  const refunded = view.items.find((i) => i.id === second.id);
  await expect(itemRow(page, "S1", second.sku)).toContainText(eur(refunded?.refundedAmount ?? -1));
});

test("history in sentences, buttons by display name, nothing offered on final items, a note", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-HIST") }, 2);
  const { reference } = order;
  const [first] = order.items;
  if (!first) throw new Error("an item placed");
  await api.orders.trigger.mutate({
    reference,
    event: "cancel",
    target: { items: [{ id: first.id }] },
  });
  await openOrder(page, signIn, reference);

  // Buttons read as the process names them; their names start with the event (the API's handle).
  const other = itemRow(page, "S1", "SKU-2");
  const pay = other.getByRole("button", { name: /^pay: Mark as paid/ });
  await expect(pay).toHaveText("Mark as paid");
  // The quantity box beside an item's events has a visible label.
  await expect(other.getByText("Quantity", { exact: true })).toBeVisible();
  // A cancelled item is final: no events, no move.
  const cancelled = itemRow(page, "S1", "SKU-1");
  await expect(cancelled).toContainText("cancelled");
  await expect(cancelled.getByRole("button")).toHaveCount(0);
  await pay.click();
  await expect(other).toContainText("paid");

  const history = page.getByRole("region", { name: "History" });
  await expect(history).toContainText("Cancelled by erp-bot (back office): item");
  await expect(history).toContainText("Marked as paid by alice (back office)");
  await expect(history).toContainText("Order confirmation mail queued");
  await expect(history).toContainText(/Placed by the checkout \(shop\): 2 lines in 1 shipment, €/);
  const text = (await history.textContent()) ?? "";
  for (const raw of ["{", "grandTotal", "sendOrderConfirmation", "cancellation cancel"])
    expect(text).not.toContain(raw);

  // An internal note: staff read it in the timeline, the customer's history never has it.
  await history.getByLabel(/Internal note/).fill("Customer called: leave at the neighbour's.");
  await history.getByRole("button", { name: "Add note" }).click();
  await expect(history).toContainText("Note by alice (back office): Customer called");
  const asCustomer = createOrderClient({
    url: process.env.OMS_URL ?? "",
    token: await mintToken("customer", order.customerReference),
  });
  const theirs = await asCustomer.orders.history.query({ reference });
  expect(theirs.some((h) => h.type === "note")).toBe(false);
  await docsScreenshot(page, "backoffice-history", { fullPage: true });
});

test("support reads everything, adds notes and is offered no change", async ({
  page,
  place,
  omsUrl,
}) => {
  const order = await place({}, 1);
  await signInAs(page, omsUrl, "support");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Matrix" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Import" })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(0);
  await page.goto(`${omsUrl}/orders/${order.reference}`);
  await expect(page.getByRole("heading", { name: `Order ${order.reference}` })).toBeVisible();
  await expect(page.getByText("Read only: your role changes nothing.").first()).toBeVisible();
  await expect(page.getByRole("button", { name: /^pay/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Close the cancellation window" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Save reference" })).toHaveCount(0);
  const history = page.getByRole("region", { name: "History" });
  await history.getByLabel(/Internal note/).fill("Checked the address with the customer.");
  await history.getByRole("button", { name: "Add note" }).click();
  await expect(history).toContainText("Note by support-sam (support): Checked the address");
  await page.goto(`${omsUrl}/import`);
  await expect(page.getByRole("heading", { name: "Not for your role" })).toBeVisible();
});

test("at 390 px wide no page scrolls sideways", async ({ page, place, signIn, omsUrl }) => {
  const order = await place({}, 3);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn();
  await expect(page.getByRole("table")).toBeVisible();
  await expectNoSidewaysScroll(page);
  await page.goto(`${omsUrl}/orders/${order.reference}`);
  await expect(page.getByRole("heading", { name: `Order ${order.reference}` })).toBeVisible();
  await expect(itemRow(page, "S1", "SKU-3")).toBeVisible();
  await expectNoSidewaysScroll(page);
  for (const path of ["/matrix", "/deliveries", "/failures", "/invoices", "/import"]) {
    await page.goto(`${omsUrl}${path}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoSidewaysScroll(page);
  }
});

test("finds stuck orders from the matrix, and confirms 50 orders at once after a preview", async ({
  page,
  place,
  api,
  signIn,
}) => {
  test.setTimeout(180_000);
  const word = unique("BULK");
  const orders = [];
  for (let i = 0; i < 50; i++)
    orders.push(
      await place({ lines: orderLines(1).map((l) => ({ ...l, sku: `${word}-${i}` })) }, 1),
    );
  for (const o of orders)
    await api.orders.trigger.mutate({
      reference: o.reference,
      event: "pay",
      target: { all: true },
    });
  const [stale] = orders;
  if (!stale) throw new Error("orders placed");

  // The matrix: paid units under a day; the cell opens those orders.
  await signIn("/matrix");
  await expect(page.getByRole("heading", { name: "Order matrix" })).toBeVisible();
  await page.getByRole("link", { name: /units? paid for under a day \(payment@1\)/ }).click();
  await expect(page.getByText("From the order matrix: orders with units in paid")).toBeVisible();
  await docsScreenshot(page, "backoffice-matrix-list");

  // Narrowed to this test's orders by their SKUs' word, 100 per page: all 50 selected.
  await page.getByRole("searchbox", { name: "Search" }).fill(word);
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByLabel("Rows per page").selectOption("100");
  const table = page.getByRole("table");
  await expect(table.getByRole("row")).toHaveCount(51);
  await page.getByRole("checkbox", { name: "Select all 50 orders on this page" }).check();
  await expect(page.getByText("50 orders selected.")).toBeVisible();

  const bulk = page.getByRole("region", { name: "Bulk action" });
  await bulk.getByLabel(/Event for 50 orders/).selectOption("confirm");
  await bulk.getByRole("button", { name: /Preview/ }).click();
  await expect(bulk).toContainText("50 orders would change. Nothing has changed yet.");
  await expect(bulk).toContainText("1 item (2 units): paid → confirmed");
  // Meanwhile someone changes one order: it is refused at apply, the others go on.
  await api.orders.trigger.mutate({
    reference: stale.reference,
    event: "cancel",
    target: { all: true },
  });
  await bulk.getByRole("button", { name: /^Apply/ }).click();
  await expect(bulk).toContainText("“Confirm” applied to 49 orders; 1 order refused it.", {
    timeout: 60_000,
  });
  await expect(bulk).toContainText(`${stale.reference}`);
  await expect(bulk).toContainText("it changed after the dry run");
  await docsScreenshot(page, "backoffice-bulk", { fullPage: true });
  const after = await api.orders.list.query({ search: word, limit: 100 });
  expect(after.orders.filter((o) => o.itemStates.confirmed === 2)).toHaveLength(49);
});

test("exports the month's orders as CSV a spreadsheet opens, customer text never a formula", async ({
  page,
  place,
  signIn,
}) => {
  const word = unique("CSV");
  await place({
    customer: {
      reference: "csv-customer",
      email: "csv@example.com",
      firstName: '=HYPERLINK("http://x")',
      lastName: `Müller ${word}`,
    },
  });
  await place({
    customer: { reference: "csv-2", email: "csv2@example.com", firstName: "Zoë", lastName: word },
    customOrderReference: `PO, "quoted" ${word}`,
  });
  await signIn();
  const month = new Date().toISOString().slice(0, 7);
  await page.getByRole("searchbox", { name: "Search" }).fill(word);
  await page.getByLabel("Placed from").fill(`${month}-01`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(3);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const file = await download;
  const bytes = await (await file.createReadStream()).toArray();
  const text = Buffer.concat(bytes).toString("utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  const lines = text.slice(1).split("\r\n").filter(Boolean);
  expect(lines).toHaveLength(3);
  expect(lines[0]).toContain('"Order","Custom reference","Placed at (UTC)"');
  expect(text).toContain(`"'=HYPERLINK(""http://x"") Müller ${word}"`);
  expect(text).toContain(`"PO, ""quoted"" ${word}"`);
  await expect(page.getByRole("status").filter({ hasText: "Exported 2 orders" })).toBeVisible();
});

test("the bulk status import: a dry run's report per row, then the rows applied", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({}, 2);
  const { reference } = order;
  await signIn("/import");
  await expect(page.getByRole("heading", { name: "Bulk status import" })).toBeVisible();
  const csv = [
    "reference,sku,event,quantity",
    `${reference},SKU-1,pay,`,
    `${reference},SKU-2,ship,`,
    "ORD-0000000000000000,SKU-1,pay,",
    `${reference},SKU-1,fly,`,
  ].join("\n");
  await page.getByLabel("Rows (CSV or JSON)").fill(csv);
  await page.getByRole("button", { name: "Check the rows (dry run)" }).click();
  const report = page.getByRole("region", { name: "Dry run: what the rows would do" });
  await expect(report).toContainText(
    "Would apply 1 row, 1 skipped, 1 for unknown orders, 1 invalid",
  );
  const rows = report.getByRole("row");
  await expect(rows.nth(2)).toContainText("skipped");
  await expect(rows.nth(2)).toContainText("Items in payment pending take Mark as paid, Cancel");
  await expect(rows.nth(4)).toContainText("event");
  expect((await api.orders.get.query({ reference })).version).toBe(order.version);
  await docsScreenshot(page, "backoffice-import", { fullPage: true });

  await page.getByRole("button", { name: "Apply 4 rows" }).click();
  const applied = page.getByRole("region", { name: "Import report" });
  await expect(applied).toContainText("Applied 1 row, 1 skipped");
  const after = await api.orders.get.query({ reference });
  expect(after.items.find((i) => i.sku === "SKU-1")?.state).toBe("paid");
});

test("invoices and credit notes are listed with their documents", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({}, 1);
  const { reference } = order;
  for (const event of ["pay", "confirm", "invoice-generate"] as const)
    await api.orders.trigger.mutate({ reference, event, target: { all: true } });
  await expect
    .poll(async () => (await api.invoices.list.query({ orderReference: reference })).invoices, {
      timeout: 20_000,
    })
    .toHaveLength(1);
  await signIn("/invoices");
  await page.getByLabel("Order reference").fill(reference);
  await page.getByRole("button", { name: "Show" }).click();
  const row = page.getByRole("row").filter({ hasText: reference });
  await expect(row).toContainText(/Invoice-\d+/);
  await expect(row.getByRole("button", { name: /^XML/ })).toBeVisible();
  await docsScreenshot(page, "backoffice-invoices");
});

test("axe finds no serious or critical violation on any page", async ({
  page,
  place,
  signIn,
  omsUrl,
}) => {
  test.setTimeout(120_000);
  const order = await place({}, 2);
  await signIn();
  const pages = [
    "/",
    `/orders/${order.reference}`,
    `/orders/${order.reference}/process`,
    "/matrix",
    "/deliveries",
    "/failures",
    "/invoices",
    "/import",
  ];
  for (const path of pages) {
    await page.goto(`${omsUrl}${path}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: /^Loading/ })).toHaveCount(0);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${path}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
    expect(serious).toEqual([]);
  }
  await page.goto(`${omsUrl}/matrix`);
  await expect(page.getByRole("heading", { name: "Order matrix" })).toBeVisible();
  await docsScreenshot(page, "backoffice-matrix", { fullPage: true });
  // Signed out: the sign-in form.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "edge-oms back office", level: 1 })).toBeVisible();
  const signInPage = await new AxeBuilder({ page }).analyze();
  expect(
    signInPage.violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
  ).toEqual([]);
});
