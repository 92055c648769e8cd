import { sign } from "hono/jwt";
import { mintToken } from "../e2e/server";
import { expect, test } from "./fixtures";

test("signs in by link, keeps the token for the tab and takes it out of the address bar", async ({
  page,
  omsUrl,
}) => {
  const token = await mintToken("backoffice", "linda");
  await page.goto(`${omsUrl}/#token=${token}`);
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  await expect(page.getByText("Signed in as linda")).toBeVisible();
  expect(page.url()).toBe(`${omsUrl}/`);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Token")).toBeVisible();
});

test("signs in by form, and says why a token is refused", async ({
  page,
  omsUrl,
  consoleErrors,
}) => {
  // The service's refusal of a forged token is a 401 the browser logs.
  consoleErrors.allow(/status of 401/);
  await page.goto(omsUrl);
  const token = page.getByLabel("Token");
  const signIn = page.getByRole("button", { name: "Sign in" });

  await token.fill("not a token");
  await signIn.click();
  await expect(page.getByRole("alert")).toHaveText(/^Token: this is not a JWT/);

  await token.fill(await mintToken("customer", "c-1"));
  await signIn.click();
  await expect(page.getByRole("alert")).toContainText('it is for the role "customer"');

  const iat = Math.floor(Date.now() / 1000);
  await token.fill(
    await sign({ sub: "mallory", role: "backoffice", iat, exp: iat + 60 }, "a guess", "HS256"),
  );
  await signIn.click();
  await expect(page.getByRole("alert")).toContainText("the service does not accept it");

  await token.fill(await mintToken("backoffice", "fran"));
  await signIn.click();
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  await expect(page.getByText("Signed in as fran")).toBeVisible();
});
