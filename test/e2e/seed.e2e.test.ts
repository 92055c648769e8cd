/**
 * `npm run seed` against the service as `npm run dev` runs it (wrangler dev, CLOCK=adjustable
 * as in .dev.vars.example): every state an item of each process can rest in, a split delivery,
 * a non-splittable pallet line and an issued invoice; a second run adds nothing.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderClient, type OrderView } from "../../src/client";
import { E2E_SECRETS, type E2EServer, mintToken, startServer } from "./server";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

let server: E2EServer;
beforeAll(async () => {
  server = await startServer({ vars: { CLOCK: "adjustable" } });
});
afterAll(() => server?.stop());

async function seed() {
  const { stdout } = await run(process.execPath, ["scripts/seed.mjs", "--url", server.url], {
    cwd: root,
    env: { ...process.env, JWT_SECRET: E2E_SECRETS.JWT_SECRET },
  });
  return stdout;
}

describe("npm run seed", () => {
  it("fills every resting state of both processes, a split delivery, a pallet and an invoice; a second run adds nothing", async () => {
    const first = await seed();
    const references = [...first.matchAll(/^ {2}(ORD-[0-9A-Z]{16}) /gm)].map(([, r = ""]) => r);
    expect(first).toContain(`${references.length} sample orders`);
    expect(first).toContain(`(${references.length} new,`);
    // A one-time link: a code, no token; it signs in once.
    const code =
      /sign in to the back office \(once, within 5 minutes; another: npm run -s sign-in\): http:\/\/\S+\/#code=([A-Za-z0-9_-]+)\n/.exec(
        first,
      )?.[1];
    expect(code).toBeDefined();
    const anonymous = createOrderClient({ url: server.url });
    const session = await anonymous.auth.signIn.mutate({ code: code ?? "" });
    expect(session.token).toMatch(/^ey/);
    await expect(anonymous.auth.signIn.mutate({ code: code ?? "" })).rejects.toThrow(
      /used already/,
    );

    const backoffice = createOrderClient({
      url: server.url,
      token: await mintToken("backoffice", "seed-test"),
    });
    const read = () =>
      Promise.all(references.map((reference) => backoffice.orders.get.query({ reference })));
    const orders: OrderView[] = await read();

    // Every state of each process but its initial one, which items leave at once.
    for (const id of new Set(orders.map((o) => o.process))) {
      const process = await backoffice.processes.get.query({ name: id });
      const resting = process.states.map((s) => s.name).filter((s) => s !== process.initial);
      const seen = new Set(
        orders.filter((o) => o.process === id).flatMap((o) => o.items.map((i) => i.state)),
      );
      expect([...seen].sort(), id).toEqual(resting.sort());
    }
    expect(new Set(orders.map((o) => o.process))).toEqual(new Set(["payment@1", "no-payment@1"]));
    expect(
      orders.some(
        (o) => o.shipments.length === 2 && new Set(o.items.map((i) => i.state)).size === 2,
      ),
    ).toBe(true);
    expect(orders.flatMap((o) => o.items)).toContainEqual(
      expect.objectContaining({ isQuantitySplittable: false, quantity: 24 }),
    );
    const invoiced = orders.filter((o) => o.invoice !== null);
    expect(invoiced).toHaveLength(1);
    const { mails } = await backoffice.mails.list.query({ limit: 100 });
    expect(mails.map((m) => m.subject)).toContain(`Invoice: ${invoiced[0]?.invoice?.reference}`);

    const second = await seed();
    expect(second).toContain(`${references.length} sample orders`);
    expect(second).toContain("(0 new, 0 steps run this time)");
    expect(second).not.toContain("moved the adjustable clock");
    const after = await read();
    expect(after.map((o) => [o.reference, o.version, o.itemStates])).toEqual(
      orders.map((o) => [o.reference, o.version, o.itemStates]),
    );
    expect((await backoffice.mails.list.query({ limit: 100 })).mails).toHaveLength(mails.length);
    expect((await backoffice.invoices.list.query({})).invoices).toHaveLength(1);
  }, 120_000);
});
