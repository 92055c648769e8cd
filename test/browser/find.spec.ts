import { docsScreenshot, expect, test, unique } from "./fixtures";

test("finds an order by custom reference and by email, with its units per state", async ({
  page,
  place,
  api,
  signIn,
}) => {
  const domain = `${unique("shop").toLowerCase()}.example`;
  const customer = (name: string) => ({
    reference: `c-${name}`,
    email: `${name}@${domain}`,
    firstName: name[0]?.toUpperCase() + name.slice(1),
    lastName: "Example",
  });
  const poRef = unique("PO-FIND");
  const wanted = await place({ customer: customer("grace"), customOrderReference: poRef });
  const paid = await place({ customer: customer("alan") }, 3);
  await api.orders.trigger.mutate({
    reference: paid.reference,
    event: "pay",
    target: { items: [{ id: "I1" }] },
  });
  const cancelled = await place({ customer: customer("edsger") });
  await api.orders.cancel.mutate({ reference: cancelled.reference });

  await signIn();
  const find = page.getByRole("search", { name: "Find orders" });
  const results = page.getByRole("table");

  // By the exact custom reference, as an ERP would give it.
  await find.getByLabel("Custom reference (exact)").fill(poRef);
  await find.getByRole("button", { name: "Search" }).click();
  await expect(results.getByRole("row")).toHaveCount(2);
  await expect(results.getByRole("link", { name: wanted.reference })).toBeVisible();

  // By email: every order of this shop's domain, newest first, with its items per state.
  await find.getByRole("button", { name: "Clear" }).click();
  await find.getByLabel("Search").fill(`grace@${domain}`);
  await find.getByRole("button", { name: "Search" }).click();
  await expect(results.getByRole("row")).toHaveCount(2);
  await expect(results.getByRole("row", { name: wanted.reference })).toContainText(poRef);

  await find.getByLabel("Search").fill(domain);
  await find.getByRole("button", { name: "Search" }).click();
  await expect(results.getByRole("row")).toHaveCount(4);
  await expect(results.getByRole("row", { name: paid.reference })).toContainText("2 paid");
  await expect(results.getByRole("row", { name: paid.reference })).toContainText(
    "4 payment pending",
  );
  await expect(results.getByRole("row", { name: cancelled.reference })).toContainText(
    "4 cancelled",
  );
  await docsScreenshot(page, "backoffice-orders");

  await results.getByRole("link", { name: wanted.reference }).click();
  await expect(page.getByRole("heading", { name: `Order ${wanted.reference}` })).toBeVisible();
});
