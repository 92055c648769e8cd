/**
 * The worker's half of the tRPC context, merged into `Context` (./context.ts). It lives apart so
 * that the client's published types, which name `Context`, never reach `Env` or D1: nothing on
 * the client's import path imports this file. Programs that type-check the routers include it
 * (tsconfig.json through `src`, test/e2e and bench by name).
 */
import type { Db } from "./context";

declare module "./context" {
  interface Context {
    /** The worker's bindings and vars. */
    env: Env;
    /** The D1 read model. */
    db: Db;
  }
}
