import { docsScreenshot, expect, openOrder, test, unique } from "./fixtures";

test("draws the process with this order's quantities, loading Mermaid only there", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const order = await place({ customOrderReference: unique("PO-DIAGRAM") }, 3);
  await api.orders.trigger.mutate({
    reference: order.reference,
    event: "pay",
    target: { items: [{ id: "I1" }] },
  });
  const scripts: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
  });
  await openOrder(page, signIn, order.reference);
  await expect(page.getByRole("region", { name: "Order", exact: true })).toContainText("2 paid");
  expect(scripts.filter((s) => s.includes("process-page"))).toEqual([]);

  await page.getByRole("link", { name: "Process diagram" }).click();
  const diagram = page.getByRole("img", { name: /Process payment@1/ });
  await expect(diagram.locator("svg")).toBeVisible();
  await expect(diagram).toContainText("2 in this order");
  await expect(diagram).toContainText("4 in this order");
  expect(scripts.some((s) => s.includes("process-page"))).toBe(true);
  const states = page.getByRole("table", { name: /States of payment@1/ });
  await expect(states.getByRole("row", { name: /^payment pending/ })).toContainText("4");
  await expect(states.getByRole("row", { name: /^paid/ })).toContainText("2");
  await docsScreenshot(page, "backoffice-process");
});
