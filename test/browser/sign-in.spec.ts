import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { chromium } from "@playwright/test";
import { chromiumLaunchOptions } from "../../scripts/chromium.mjs";
import { mintToken } from "../e2e/server";
import { expect, signInLink, test } from "./fixtures";

const TOKEN_KEY = "edge-oms.backoffice.token";

test("signs in by a one-time link: the token is kept for the tab, out of the address bar; the link works once", async ({
  page,
  omsUrl,
}) => {
  const link = await signInLink(omsUrl, "linda");
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  await expect(page.getByText("Signed in as linda")).toBeVisible();
  expect(page.url()).toBe(`${omsUrl}/`);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Token")).toBeVisible();

  // The same link again, in another tab: used, so it signs no one in, and says so.
  const again = await page.context().newPage();
  await again.goto(link);
  await expect(again.getByRole("alert")).toContainText("used already, has expired");
  await expect(again.getByLabel("Token")).toBeVisible();
  expect(again.url()).toBe(`${omsUrl}/`);
});

test("a sign-in link leaves no usable token in the browser's history", async ({ omsUrl }) => {
  const profile = await mkdtemp(join(tmpdir(), "oms-profile-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      ...chromiumLaunchOptions(),
      headless: true,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const link = await signInLink(omsUrl, "hilde");
    await page.goto(link);
    await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
    const token = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
    expect(token).toMatch(/^ey/);
    await context.close();

    // What Chromium keeps of every address it visited (History is written on close).
    const file = join(profile, "Default", "History");
    const history = new DatabaseSync(file, { readOnly: true });
    const urls = history.prepare("SELECT url FROM urls").all() as { url: string }[];
    history.close();
    expect(urls.map((u) => u.url)).toContain(link);
    const raw = readFileSync(file).toString("latin1");
    expect(raw).not.toContain(token);
    expect(raw).not.toMatch(/ey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\./);
    // Whatever a URL there carries is useless: no bearer token, and the code is used.
    const values = urls.flatMap(({ url }) => {
      const { hash, search } = new URL(url);
      return [...new URLSearchParams(hash.slice(1)), ...new URLSearchParams(search)].map(
        ([, value]) => value,
      );
    });
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      const asBearer = await fetch(`${omsUrl}/trpc/processes.list?input=%7B%7D`, {
        headers: { authorization: `Bearer ${value}` },
      });
      expect(asBearer.status).toBe(401);
      const asCode = await fetch(`${omsUrl}/trpc/auth.signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: value }),
      });
      expect(asCode.status).toBe(401);
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
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

  await token.fill(await mintToken("backoffice", "mallory", 60, "a guess"));
  await signIn.click();
  await expect(page.getByRole("alert")).toContainText("the service does not accept it");

  await token.fill(await mintToken("backoffice", "fran"));
  await signIn.click();
  await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
  await expect(page.getByText("Signed in as fran")).toBeVisible();
});
