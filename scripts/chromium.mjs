// Chromium for the browser tests and the back-office bench: Debian's package (Playwright's own
// browser download is not reachable from these machines), or the one CHROMIUM_PATH names.
import { existsSync } from "node:fs";

/** @returns {string} */
export const chromiumPath = () => process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** @returns {boolean} */
export const hasChromium = () => existsSync(chromiumPath());

/**
 * How to start it here: without the sandbox when running as root (it refuses otherwise), and
 * without the background services that phone home, whose connections this closed network
 * refuses by the dozen.
 * @returns {{ executablePath: string, args: string[] }}
 */
export function chromiumLaunchOptions() {
  return {
    executablePath: chromiumPath(),
    args: [
      ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  };
}
