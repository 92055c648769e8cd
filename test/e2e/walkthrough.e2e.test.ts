/**
 * docs/walkthrough.md's script block, run as written: extracted from the page and run by bash
 * against the shared e2e worker (`wrangler dev` on a free port, given to it as `PORT`), with
 * `set -e` and pipefail, so any call that fails (curl --fail-with-body) fails the test. The
 * tokens and the webhook signature come from `npm run -s token` and `npm run -s erp:sign`, which
 * take the secrets from the environment before any .dev.vars.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { E2E_SECRETS } from "./server";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

/** The page's one ```sh block. */
function walkthrough(): string {
  const page = readFileSync(resolve(root, "docs/walkthrough.md"), "utf8");
  const blocks = [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(([, body = ""]) => body);
  expect(blocks).toHaveLength(1);
  return blocks[0] ?? "";
}

describe("docs/walkthrough.md", () => {
  it("runs as written from placement to invoice, the ERP webhook, the import and the export list", async () => {
    const url = new URL(inject("e2eUrl"));
    const { stdout } = await run("bash", ["-e", "-o", "pipefail", "-c", walkthrough()], {
      cwd: root,
      env: {
        ...process.env,
        PORT: url.port,
        JWT_SECRET: E2E_SECRETS.JWT_SECRET,
        ERP_WEBHOOK_SECRET: E2E_SECRETS.ERP_WEBHOOK_SECRET,
      },
    });
    const reference = /^placed (ORD-[0-9A-Z]{16}): \{"payment-pending":2\}$/m.exec(stdout)?.[1];
    expect(reference, stdout).toBeDefined();
    // Each step's answer, in the order the page promises them.
    const expected = [
      '{"paid":2}',
      '{"confirmed":2}',
      '{"exported":2}',
      "issued Invoice-",
      "<Invoice xmlns=",
      "Invoice: Invoice-",
      "HTTP/1.1 200 OK",
      `{"ok":true,"order":{"reference":"${reference}"`,
      '"itemStates":{"shipped":2}}}',
      '{"applied":1,"skipped":0,"unknownOrder":1,"invalid":0}',
      `"id":"msg_${reference}_2","orderReference":"${reference}","sequence":2,"type":"invoice.issued"`,
      `"id":"msg_${reference}_1","orderReference":"${reference}","sequence":1,"type":"order.exported"`,
    ];
    let from = 0;
    for (const text of expected) {
      const at = stdout.indexOf(text, from);
      expect(at, `"${text}" after position ${from} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
      from = at + text.length;
    }
    // Three npm runs and a queued invoice on a shared machine: more than the 30 s default.
  }, 90_000);
});
