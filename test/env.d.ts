declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Seed for fast-check runs (empty: a random one, printed). */
    FC_SEED: string;
  }
}
