/**
 * The house's import rules, checked by `npm run check` (dependency-cruiser; docs/architecture.md):
 * no import circles (src/ and the back office's web/src/), and arrows that point down only: router, webhooks, queue -> invoices,
 * worker -> durable -> db, mail -> engine -> machines -> domain. Type-only imports count too.
 * TypeScript 7 has no compiler API for the cruiser to read TypeScript with, so swc parses it.
 */
const folders = (...names) => `^src/(${names.join("|")})/`;
const notIn = (...names) => `^src/(?!(${names.join("|")})/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "An import circle: two modules that need each other are one module, or a third is missing.",
      severity: "error",
      from: { path: "^(src|web/src)/" },
      to: { circular: true },
    },
    {
      name: "domain-is-the-floor",
      comment:
        "domain/ holds the contract (zod schemas, types, pure helpers) and imports only itself.",
      severity: "error",
      from: { path: folders("domain") },
      to: { path: notIn("domain") },
    },
    {
      name: "machines-on-domain",
      comment: "machines/ are pure process definitions: they import only domain/.",
      severity: "error",
      from: { path: folders("machines") },
      to: { path: notIn("machines", "domain") },
    },
    {
      name: "engine-on-machines",
      comment: "engine/ is pure order logic: it imports only machines/ and domain/.",
      severity: "error",
      from: { path: folders("engine") },
      to: { path: notIn("engine", "machines", "domain") },
    },
    {
      name: "pure-code-touches-no-platform",
      comment: "domain/, machines/ and engine/ import nothing of Cloudflare, D1, HTTP or webhooks.",
      severity: "error",
      from: { path: folders("domain", "machines", "engine") },
      to: {
        path: "^cloudflare:|(^|/)node_modules/(drizzle-orm|hono|@hono|standardwebhooks|@trpc)/",
      },
    },
    {
      name: "read-model-and-mail-below-the-object",
      comment: "db/ and mail/ serve the order object and the Worker; they import neither.",
      severity: "error",
      from: { path: folders("db", "mail") },
      to: { path: folders("durable", "invoices", "worker", "router", "webhooks", "queue") },
    },
    {
      name: "durable-holds-only-the-objects",
      comment: "durable/ runs inside Durable Objects: it imports nothing the Worker runs.",
      severity: "error",
      from: { path: folders("durable") },
      to: { path: folders("invoices", "worker", "router", "webhooks", "queue") },
    },
    {
      name: "services-below-the-edges",
      comment:
        "invoices/ and worker/ serve the routes, webhooks and queue consumers, never the other way.",
      severity: "error",
      from: { path: folders("invoices", "worker") },
      to: { path: folders("router", "webhooks", "queue") },
    },
  ],
  options: {
    parser: "swc",
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.d\\.ts$" },
  },
};
