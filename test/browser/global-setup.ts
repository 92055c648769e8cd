import { buildWeb } from "../../scripts/build-web.mjs";
import { chromiumPath, hasChromium } from "../../scripts/chromium.mjs";
import { startServer } from "../e2e/server";

/**
 * Builds the back office (unless `npm test` just did) and starts one Worker under `wrangler dev`
 * with fresh storage; tests read its URL from OMS_URL. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!hasChromium())
    throw new Error(
      `no Chromium at ${chromiumPath()}: apt-get install -y chromium, or set CHROMIUM_PATH`,
    );
  if (process.env.EDGE_OMS_WEB_BUILT !== "1") await buildWeb();
  const server = await startServer();
  process.env.OMS_URL = server.url;
  return () => server.stop();
}
