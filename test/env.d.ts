declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** A fast-check seed to replay (empty: a fresh one). */
    FC_SEED: string;
  }
}
