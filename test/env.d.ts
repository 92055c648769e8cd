declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** An empty D1 (test config only) for tests of the migrations themselves. */
    MIGRATION_DB: D1Database;
    /** Seed for fast-check runs (empty: a random one, printed). */
    FC_SEED: string;
  }
}
