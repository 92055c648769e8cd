// The back office's order page in Chromium: how long a 10,000-line order takes to become
// interactive. Cold loads (a new browser context each: no cache, no warm JS), signed in the way
// a returning operator is (the token already in the tab's sessionStorage).
import { chromiumLaunchOptions, chromiumPath, hasChromium } from "../scripts/chromium.mjs";

/** Why the scenario cannot run here, or null when it can. */
export const unavailable = () =>
  hasChromium()
    ? null
    : `no Chromium at ${chromiumPath()} (apt-get install -y chromium, or set CHROMIUM_PATH)`;

/**
 * Watches the page from its first script on, every animation frame, until it is usable: for
 * `order`, the first item row with its event button; for `list`, the order table holding `rows`
 * orders (it renders those in view) with a row's link; for `matrix`, the matrix with a count to
 * open. Then lets a zero-delay timer run, which happens only once the main thread is free, so a
 * click would be handled at once. Stores the time since navigation start.
 */
function watchForInteractive({ kind, firstSku, rows }) {
  const ready = () => {
    if (kind === "list")
      return (
        document.querySelector(`table.orders[aria-rowcount="${rows + 1}"] tbody tr th a`) !== null
      );
    if (kind === "matrix") return document.querySelector("table.matrix td a") !== null;
    return [...document.querySelectorAll("tr")].some(
      (row) =>
        [...row.cells].some((cell) => cell.textContent === firstSku) &&
        [...row.querySelectorAll("button")].some(
          (button) => !button.disabled && /^pay/.test(button.getAttribute("aria-label") ?? ""),
        ),
    );
  };
  const check = () => {
    if (ready()) setTimeout(() => (globalThis.__interactiveAt = performance.now()), 0);
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/**
 * Opens `path` `runs` times, each in a fresh context; resolves with the milliseconds from
 * navigation start until the page is interactive (see watchForInteractive).
 */
export async function pageTimes({ url, token, path, ready, runs }) {
  const { chromium } = await import("@playwright/test");
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript((value) => {
        sessionStorage.setItem("edge-oms.backoffice.token", value);
      }, token);
      await context.addInitScript(watchForInteractive, ready);
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${url}${path}`);
      const at = await page.waitForFunction(() => globalThis.__interactiveAt, null, {
        polling: 100,
        timeout: 60_000,
      });
      times.push(await at.jsonValue());
      await context.close();
      if (errors.length) throw new Error(`the page failed: ${errors.join("; ")}`);
    }
    return times;
  } finally {
    await browser.close();
  }
}

/** The 10,000-line order page (see pageTimes). */
export const orderPageTimes = ({ url, token, reference, firstSku, runs }) =>
  pageTimes({ url, token, path: `/orders/${reference}`, ready: { kind: "order", firstSku }, runs });
