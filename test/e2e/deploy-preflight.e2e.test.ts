/**
 * `npm run deploy`'s preflight (scripts/deploy.mjs) against fixtures: configs made from this
 * repository's wrangler.toml (so its committed defaults are what the first case refuses) and
 * secret lists in the JSON `wrangler secret list` prints, given with --secrets (offline).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SELLER } from "../../src/demo-seller";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "edge-oms-deploy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const committed = readFileSync(join(root, "wrangler.toml"), "utf8");
const ALL_SECRETS = ["JWT_SECRET", "ERP_WEBHOOK_SECRET", "ERP_EXPORT_SECRET", "MAIL_API_KEY"];
const SELLER = JSON.stringify({
  name: "Acme Handels GmbH",
  address: { address1: "Hafenstr. 5", zipCode: "20457", city: "Hamburg", country: "DE" },
  vatId: "DE811907980",
  email: "rechnung@acme-handel.de",
});

/** wrangler.toml with a real database id, sender and seller, then `edit` applied. */
function ready(edit: (toml: string) => string = (toml) => toml): string {
  return edit(
    committed
      .replace(/database_id = "[^"]*"/, 'database_id = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"')
      .replace(/^MAIL_FROM = .*$/m, 'MAIL_FROM = "Acme <rechnung@acme-handel.de>"')
      .replace(/^\[vars\]$/m, `[vars]\nSELLER = '${SELLER}'`),
  );
}

let fixture = 0;
/** Runs the deploy script on a config and a secret list; resolves with its exit code and stderr. */
async function deploy(toml: string, secrets: string[], ...args: string[]) {
  fixture += 1;
  const config = join(dir, `wrangler-${fixture}.toml`);
  const list = join(dir, `secrets-${fixture}.json`);
  writeFileSync(config, toml);
  writeFileSync(list, JSON.stringify(secrets.map((name) => ({ name, type: "secret_text" }))));
  const argv = ["scripts/deploy.mjs", "--config", config, "--secrets", list, ...args];
  try {
    const { stderr } = await run(process.execPath, argv, { cwd: root });
    return { code: 0, stderr };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

describe("npm run deploy: the preflight", () => {
  it("refuses the committed wrangler.toml without secrets, listing every thing to do, and deploys nothing", async () => {
    // No --check: a refusal stops the real command before the build.
    const { code, stderr } = await deploy(committed, []);
    expect(code).toBe(1);
    expect(stderr).toContain("refused, 7 thing(s) to do first");
    expect(stderr).toMatch(/1\. D1 database DB: database_id is the all-zero placeholder/);
    expect(stderr).toMatch(/2\. SELLER is not set/);
    expect(stderr).toMatch(
      /3\. MAIL_FROM is a demo address \(Demo Shop <billing@demo-shop\.example>\)/,
    );
    for (const name of ALL_SECRETS)
      expect(stderr).toContain(`the secret ${name} is not set: npx wrangler secret put ${name}`);
    expect(stderr).not.toContain("preflight passed");
  });

  it("passes a config with real values and every secret", async () => {
    const { code, stderr } = await deploy(ready(), ALL_SECRETS, "--check");
    expect(stderr).toBe("npm run deploy: preflight passed\n");
    expect(code).toBe(0);
  });

  it("refuses the demo seller, and accepts SELLER set as a secret instead of a var", async () => {
    const demo = ready((toml) => toml.replace(/^SELLER = .*$/m, `SELLER = '${DEMO_SELLER}'`));
    const refused = await deploy(demo, ALL_SECRETS, "--check");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused, 1 thing(s) to do first");
    expect(refused.stderr).toContain("1. SELLER is the demo seller");

    const asSecret = ready((toml) => toml.replace(/^SELLER = .*\n/m, ""));
    expect((await deploy(asSecret, [...ALL_SECRETS, "SELLER"], "--check")).code).toBe(0);
    const missing = await deploy(asSecret, ALL_SECRETS, "--check");
    expect(missing.stderr).toContain("1. SELLER is not set");
  });

  it("refuses a missing secret, a secret written into [vars], local-only mail and clock", async () => {
    const local = ready((toml) =>
      toml
        .replace('CLOCK = "system"', 'CLOCK = "adjustable"')
        .replace('MAIL_TRANSPORT = "http"', 'MAIL_TRANSPORT = "capture"')
        .replace(/^\[vars\]$/m, '[vars]\nJWT_SECRET = "in-the-open"'),
    );
    const { code, stderr } = await deploy(local, ["ERP_WEBHOOK_SECRET"], "--check");
    expect(code).toBe(1);
    expect(stderr).toContain("refused, 4 thing(s) to do first");
    expect(stderr).toContain('MAIL_TRANSPORT is "capture"');
    expect(stderr).toContain('CLOCK is "adjustable"');
    expect(stderr).toContain("JWT_SECRET is in [vars]");
    expect(stderr).toContain("the secret ERP_EXPORT_SECRET is not set");
    // With mails captured there is no provider, so no MAIL_API_KEY to ask for.
    expect(stderr).not.toContain("MAIL_API_KEY");
  });
});
