import type { Route } from "@playwright/test";
import { expect, itemRow, openOrder, test, unique } from "./fixtures";

test("shows a change made elsewhere within seconds, without a reload", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-LIVE") });
  await openOrder(page, signIn, order.reference);
  await expect(itemRow(page, "S1", "SKU-1")).toContainText("payment pending");

  await api.orders.trigger.mutate({
    reference: order.reference,
    event: "pay",
    target: { all: true },
  });
  await expect(itemRow(page, "S1", "SKU-1")).toContainText("paid");
  await expect(itemRow(page, "S1", "SKU-2")).toContainText("paid");
  await expect(page.getByRole("status")).toContainText("The order changed elsewhere");
});

test("a stale page meets a change made through the API: it says so, reloads, and acted on nothing", async ({
  page,
  place,
  api,
  signIn,
  consoleErrors,
}) => {
  consoleErrors.allow(/status of 409/);
  const order = await place({ customOrderReference: unique("PO-STALE") });
  await openOrder(page, signIn, order.reference);
  const row = itemRow(page, "S1", "SKU-1");
  const pay = row.getByRole("button", { name: /^pay/ });
  await expect(pay).toBeEnabled();

  // Hold every read the page makes, so it stays behind while the order moves on.
  const held: Route[] = [];
  let holding = true;
  await page.route("**/trpc/**", (route) => {
    if (holding && route.request().method() === "GET") held.push(route);
    else void route.continue();
  });
  // Its next poll is held: from here on it learns nothing new.
  await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);

  const elsewhere = await api.orders.trigger.mutate({
    reference: order.reference,
    event: "cancel",
    target: { items: [{ id: "I1" }] },
  });
  await pay.click();
  await expect(page.getByRole("alert")).toHaveText(
    `The order changed since this page showed it (it is at version ${elsewhere.order.version} now). The page has been reloaded: check the order and try again.`,
  );

  holding = false;
  for (const route of held.splice(0)) await route.continue();
  await expect(row).toContainText("cancelled");
  await expect(row.getByRole("button", { name: /^pay/ })).toHaveCount(0);
  await expect(page.getByText(`version ${elsewhere.order.version}`, { exact: true })).toBeVisible();
  // The refused click changed nothing: the history ends where the change made elsewhere left it.
  const history = await api.orders.history.query({ reference: order.reference });
  const last = history.at(-1);
  expect(last && "seq" in last ? last.seq : undefined).toBe(elsewhere.order.version);
  expect(history.some((h) => h.event === "pay")).toBe(false);
});
