import type { TestProject } from "vitest/node";
import { startServer } from "./server";

/**
 * One worker for every e2e file: starting wrangler costs seconds, and the files share it safely
 * because each test places its own orders. Tests read the URL with `inject("e2eUrl")`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer();
  project.provide("e2eUrl", server.url);
  return () => server.stop();
}
