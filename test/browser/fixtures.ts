import { test as base, expect, type Page } from "@playwright/test";
import { createOrderClient } from "../../src/client";
import type { PlaceOrderInput } from "../../src/domain/inputs";
import { mintToken } from "../e2e/server";
import { address, orderInput } from "../order-input";

export { address, expect };

type Client = ReturnType<typeof createOrderClient>;
export type Order = Awaited<ReturnType<Client["orders"]["get"]["query"]>>;

interface Fixtures {
  /** The Worker the global setup started. */
  omsUrl: string;
  /** The API as another operator (or an ERP) uses it, next to the page. */
  api: Client;
  /** Places an order through the API as the checkout does; returns its view. */
  place: (overrides?: Partial<PlaceOrderInput>, lines?: number) => Promise<Order>;
  /** Signs the page in by a one-time link, then opens `path`. */
  signIn: (path?: string) => Promise<void>;
  /** Console errors the test expects (a refused request logs one); anything else fails it. */
  consoleErrors: { allow: (pattern: RegExp) => void };
}

/** A one-time sign-in link as `npm run dev` prints it: a code, valid once, for `sub`. */
export async function signInLink(omsUrl: string, sub: string): Promise<string> {
  const client = createOrderClient({ url: omsUrl, token: await mintToken("backoffice", sub) });
  const { code } = await client.auth.createSignInCode.mutate();
  return `${omsUrl}/#code=${code}`;
}

/** A word no other test's orders carry, for searching among everything the server holds. */
export const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture uses from this pattern
  omsUrl: async ({}, use) => {
    const url = process.env.OMS_URL;
    if (!url) throw new Error("OMS_URL is not set: run the browser tests with playwright test");
    await use(url);
  },
  api: async ({ omsUrl }, use) => {
    await use(createOrderClient({ url: omsUrl, token: await mintToken("backoffice", "erp-bot") }));
  },
  place: async ({ omsUrl }, use) => {
    const checkout = createOrderClient({ url: omsUrl, token: await mintToken("checkout", "shop") });
    await use((overrides = {}, lines = 2) =>
      checkout.orders.place.mutate(orderInput(overrides, lines)),
    );
  },
  signIn: async ({ page, omsUrl }, use) => {
    await use(async (path = "/") => {
      await page.goto(await signInLink(omsUrl, "alice"));
      await expect(page.getByRole("heading", { name: "Orders", level: 1 })).toBeVisible();
      if (path !== "/") await page.goto(`${omsUrl}${path}`);
    });
  },
  consoleErrors: [
    async ({ page }, use) => {
      const allowed: RegExp[] = [];
      const errors: string[] = [];
      const violations: string[] = [];
      const unprotected: string[] = [];
      // Every page of the app runs under its Content-Security-Policy, and breaks none of it:
      // a violation is reported to the page (and logged by Chromium), whatever a test allows.
      await page.addInitScript({
        content: `document.addEventListener("securitypolicyviolation", (e) =>
          console.error("CSP violation: " + e.effectiveDirective + " blocked " + e.blockedURI));`,
      });
      page.on("response", (response) => {
        const request = response.request();
        if (request.isNavigationRequest() && request.frame() === page.mainFrame())
          if (!response.headers()["content-security-policy"]) unprotected.push(response.url());
      });
      page.on("console", (message) => {
        if (message.type() !== "error") return;
        const text = message.text();
        if (/CSP violation|Content Security Policy/.test(text)) violations.push(text);
        else errors.push(text);
      });
      page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      expect(violations).toEqual([]);
      expect(unprotected).toEqual([]);
      expect(errors.filter((e) => !allowed.some((p) => p.test(e)))).toEqual([]);
    },
    { auto: true },
  ],
});

/**
 * A screenshot for the docs: `docs/<name>.png` under `npm run screenshots`, otherwise into
 * test-results/ (ignored by git), so `npm test` leaves the working tree as it found it.
 */
export async function docsScreenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  const dir = process.env.EDGE_OMS_SCREENSHOTS ? "docs" : "test-results/screenshots";
  await page.screenshot({ path: `${dir}/${name}.png`, ...options });
}

/** The table row of an item, by its SKU, inside the region of its shipment. */
export const itemRow = (page: Page, shipmentId: string, sku: string) =>
  page
    .getByRole("region", { name: `Shipment ${shipmentId}`, exact: true })
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: sku, exact: true }) });

/** Opens an order page signed in and waits until its events are offered. */
export async function openOrder(
  page: Page,
  signIn: Fixtures["signIn"],
  reference: string,
): Promise<void> {
  await signIn(`/orders/${reference}`);
  await expect(page.getByRole("heading", { name: `Order ${reference}`, level: 1 })).toBeVisible();
}
