import { existsSync } from "node:fs";
import type { LaunchOptions } from "@playwright/test";

/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export const chromiumPath = () => process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const hasChromium = () => existsSync(chromiumPath());

/**
 * How to start Chromium here: without the sandbox when running as root (it refuses otherwise),
 * and without the background services that phone home, whose connections this closed network
 * refuses by the dozen.
 */
export function chromiumLaunchOptions(): LaunchOptions {
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
