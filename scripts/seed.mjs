#!/usr/bin/env node
// `npm run seed`: fills the local service (`npm run dev`) with sample orders: every stable state
// of both processes, a split delivery, a non-splittable pallet line and an issued invoice.
//   npm run seed                        # against http://127.0.0.1:${PORT:-8787}
//   npm run seed -- --url http://127.0.0.1:8790
// Idempotent: orders have fixed idempotency keys and each step runs only while the order still
// needs it, so a second run adds nothing. The invalid order needs the adjustable clock
// (CLOCK="adjustable" in .dev.vars, as .dev.vars.example has it): the seed moves the clock past
// its payment deadline, once.
import { api, until } from "../bench/api.mjs";
import { fail, parseCli, signInLink, signToken } from "./env.mjs";

const usage = `usage: npm run seed [-- --url <service url>]

  --url  default http://127.0.0.1:\${PORT:-8787} (npm run dev)

Tokens are signed with $JWT_SECRET, else JWT_SECRET from .dev.vars, else .dev.vars.example.`;
const values = parseCli({ url: { type: "string" } }, usage);
const url = (values.url ?? `http://127.0.0.1:${process.env.PORT || 8787}`).replace(/\/$/, "");
const client = api(url);
const token = (role, sub) => signToken({ role, sub });
const checkout = await token("checkout", "seed");
const backoffice = await token("backoffice", "seed");

// ------------------------------------------------------------------ the sample data

const address = (firstName, lastName, address1, zipCode, city, company) => ({
  firstName,
  lastName,
  ...(company ? { company } : {}),
  address1,
  zipCode,
  city,
  country: "DE",
});
const people = {
  ada: {
    ...address("Ada", "Lovelace", "Julie-Wolfthorn-Str. 1", "10115", "Berlin"),
    email: "ada@example.com",
  },
  grace: {
    ...address("Grace", "Hopper", "Hafenstr. 7", "20457", "Hamburg"),
    email: "grace@example.com",
  },
  edsger: {
    ...address("Edsger", "Dijkstra", "Marienplatz 3", "80331", "München"),
    email: "edsger@example.com",
  },
  kiosk: {
    ...address("Karl", "Kiosk", "Industriestr. 12", "50667", "Köln", "Kiosk am Dom GmbH"),
    email: "einkauf@kiosk-am-dom.example",
  },
};
const dhl = { id: "dhl", name: "DHL Paket", carrier: "DHL", price: 490, taxRate: 19 };
const express = { id: "express", name: "DHL Express", carrier: "DHL", price: 1290, taxRate: 19 };
const freight = { id: "freight", name: "Spedition", carrier: "Dachser", price: 4900, taxRate: 19 };
const shirt = { sku: "SHIRT-M", name: "T-Shirt, M", quantity: 2, unitPrice: 1990, taxRate: 19 };
const mug = { sku: "MUG-01", name: "Mug", quantity: 1, unitPrice: 1290, taxRate: 19 };
const book = { sku: "BOOK-42", name: "Paperback", quantity: 1, unitPrice: 1500, taxRate: 7 };

/** A placement for `person` (its customer reference is seed-<person>), one shipment home. */
function order(key, person, paymentMethod, lines, extra = {}) {
  const p = people[person];
  const { email, ...postal } = p;
  return {
    idempotencyKey: `seed-${key}`,
    customer: { reference: `seed-${person}`, email, firstName: p.firstName, lastName: p.lastName },
    currency: "EUR",
    paymentMethod,
    billingAddress: postal,
    shipments: [{ key: "home", address: postal, method: dhl }],
    lines: lines.map((line) => ({ ...line, shipment: "home" })),
    ...extra,
  };
}

const all = { all: true };
/** A step: an event on a target, run while some targeted item accepts it. */
const event = (name, target = all) => ({ kind: "event", event: name, target });
const closeWindow = { kind: "close-window" };
const customerCancel = { kind: "customer-cancel" };
const invoice = { kind: "invoice" };
const paid = [event("pay"), event("confirm"), closeWindow];
const walk = (...events) => events.map((e) => event(e));

/** One sample order: what it shows, whose it is, how it is paid, its lines and its steps. */
const sample = (key, shows, person, paymentMethod, lines, steps, extra) => ({
  shows,
  input: order(key, person, paymentMethod, lines, extra),
  steps,
});
const grace = people.grace;
const kiosk = people.kiosk;

const samples = [
  // payment@1 (prepayment, invoice). The order that times out comes first, see below.
  {
    ...sample(
      "invalid",
      "invalid: unpaid past its payment deadline",
      "edsger",
      "prepayment",
      [book],
      [],
    ),
    deadline: true,
  },
  sample(
    "payment-pending",
    "payment pending (becomes invalid a day after placement)",
    "ada",
    "prepayment",
    [shirt, mug],
    [],
  ),
  sample("paid", "paid", "ada", "prepayment", [shirt], walk("pay")),
  sample(
    "confirmed",
    "confirmed, cancellation window open (exported when it closes)",
    "grace",
    "prepayment",
    [mug],
    walk("pay", "confirm"),
  ),
  sample(
    "exported",
    "exported (window closed early by the back office)",
    "grace",
    "invoice",
    [shirt, book],
    paid,
  ),
  sample("shipped", "shipped", "edsger", "prepayment", [shirt], [...paid, ...walk("ship")]),
  sample(
    "delivered",
    "delivered, with an issued and mailed invoice",
    "ada",
    "invoice",
    [shirt, mug, book],
    [...paid, ...walk("ship", "deliver"), invoice],
  ),
  sample(
    "returned",
    "returned",
    "grace",
    "prepayment",
    [book],
    [...paid, ...walk("ship", "deliver", "return")],
  ),
  sample(
    "refunded",
    "refunded",
    "edsger",
    "prepayment",
    [mug],
    [...paid, ...walk("ship", "deliver", "return", "refund")],
  ),
  sample(
    "closed",
    "closed",
    "ada",
    "prepayment",
    [book],
    [...paid, ...walk("ship", "deliver", "close")],
  ),
  sample(
    "cancelled",
    "cancelled by its customer inside the window",
    "grace",
    "prepayment",
    [shirt],
    [customerCancel],
  ),
  // no-payment@1 (payment method none)
  sample("np-confirmed", "no payment: confirmed, window open", "kiosk", "none", [mug], []),
  sample("np-exported", "no payment: exported", "kiosk", "none", [book], [closeWindow]),
  sample(
    "np-shipped",
    "no payment: shipped",
    "kiosk",
    "none",
    [shirt],
    [closeWindow, ...walk("ship")],
  ),
  sample(
    "np-delivered",
    "no payment: delivered",
    "kiosk",
    "none",
    [mug],
    [closeWindow, ...walk("ship", "deliver")],
  ),
  sample(
    "np-returned",
    "no payment: returned",
    "kiosk",
    "none",
    [book],
    [closeWindow, ...walk("ship", "deliver", "return")],
  ),
  sample(
    "np-closed",
    "no payment: closed",
    "kiosk",
    "none",
    [shirt],
    [closeWindow, ...walk("ship", "deliver", "close")],
  ),
  sample(
    "np-cancelled",
    "no payment: cancelled by the back office",
    "kiosk",
    "none",
    [mug],
    walk("cancel"),
  ),
  // A split delivery: home shipped, office still waiting (exported).
  sample(
    "split-delivery",
    "split delivery: shipment S1 shipped, S2 exported",
    "grace",
    "prepayment",
    [],
    [...paid, event("ship", { shipmentId: "S1" })],
    {
      customOrderReference: "PO-SEED-SPLIT",
      shipments: [
        {
          key: "home",
          address: address(
            grace.firstName,
            grace.lastName,
            grace.address1,
            grace.zipCode,
            grace.city,
          ),
          method: dhl,
        },
        {
          key: "office",
          address: address(
            grace.firstName,
            grace.lastName,
            "Am Sandtorkai 1",
            "20457",
            "Hamburg",
            "Navy Yard GmbH",
          ),
          method: express,
        },
      ],
      lines: [
        {
          ...shirt,
          quantity: 3,
          allocations: [
            { shipment: "home", quantity: 2 },
            { shipment: "office", quantity: 1 },
          ],
        },
        { ...mug, shipment: "office" },
      ],
    },
  ),
  // A pallet: 24 crates that only move together.
  sample(
    "pallet",
    "a non-splittable pallet line (24 crates), exported",
    "kiosk",
    "invoice",
    [],
    paid,
    {
      customOrderReference: "PO-SEED-PALLET",
      shipments: [
        {
          key: "dock",
          address: address(
            kiosk.firstName,
            kiosk.lastName,
            kiosk.address1,
            kiosk.zipCode,
            kiosk.city,
            kiosk.company,
          ),
          method: freight,
        },
      ],
      lines: [
        {
          sku: "PALLET-WATER",
          name: "Euro pallet: 24 crates of water",
          quantity: 24,
          unitPrice: 699,
          taxRate: 19,
          isQuantitySplittable: false,
          shipment: "dock",
        },
      ],
    },
  ),
];

// ------------------------------------------------------------------ running it

const get = (reference) => client.query("orders.get", { reference }, backoffice);

async function accepts(reference, name, target) {
  const items = await client.query("orders.events", { reference }, backoffice);
  return items.some(
    (item) =>
      item.events.includes(name) && ("all" in target || item.shipmentId === target.shipmentId),
  );
}

/** Runs one step if the order still needs it; says whether it did. */
async function step(view, s) {
  const { reference } = view;
  switch (s.kind) {
    case "event":
      if (!(await accepts(reference, s.event, s.target))) return false;
      await client.mutate(
        "orders.trigger",
        { reference, event: s.event, target: s.target },
        backoffice,
      );
      return true;
    case "close-window":
      if (view.cancellationWindowClosedAt !== null) return false;
      await client.mutate("orders.closeCancellationWindow", { reference }, backoffice);
      return true;
    case "customer-cancel":
      if (!view.isCancellable) return false;
      await client.mutate(
        "orders.cancel",
        { reference },
        await token("customer", view.customerReference),
      );
      return true;
    case "invoice": {
      if (view.invoice !== null) return false;
      const history = await client.query("orders.history", { reference }, backoffice);
      const requested = history.some((h) => h.event === "generateInvoice");
      if (!requested)
        await client.mutate(
          "orders.trigger",
          { reference, event: "invoice-generate", target: all },
          backoffice,
        );
      // Issued by the queue consumer: wait for it, so the summary shows it.
      await until(`the invoice of ${reference}`, async () => (await get(reference)).invoice, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      return !requested;
    }
  }
}

async function clockOf() {
  try {
    return Date.parse((await client.query("clock.now", {}, backoffice)).now);
  } catch (error) {
    if (error?.status === 412) return null;
    throw error;
  }
}

try {
  await client.query("processes.list", {}, backoffice);
} catch (error) {
  fail(`cannot reach the service at ${url} (${error.message}); start it with npm run dev`);
}

const clock = await clockOf();
// Orders placed at or after this moment of the service's time are new (under CLOCK=system the
// service reads this machine's clock too).
const runStart = clock ?? Date.now();
const notes = [];
const rows = [];
let changes = 0;
// The order that times out goes first: the clock moves past its deadline before the others
// are placed, so their own windows and deadlines start afterwards.
for (const sample of samples) {
  let view = await client.mutate("orders.place", sample.input, checkout);
  const placedNow = Date.parse(view.placedAt) >= runStart;
  for (const s of sample.steps) {
    if (await step(view, s)) changes += 1;
    view = await get(view.reference);
  }
  if (sample.deadline && view.itemStates["payment-pending"]) {
    const deadline = Date.parse(view.placedAt) + 24 * 60 * 60_000 + 1_000;
    if (clock === null) {
      notes.push(
        `${view.reference} stays payment pending: the service runs CLOCK=system, so the seed cannot move time (put CLOCK="adjustable" into .dev.vars and restart npm run dev)`,
      );
    } else {
      const { now } = await client.mutate(
        "clock.advance",
        { to: new Date(deadline).toISOString() },
        backoffice,
      );
      notes.push(
        `moved the adjustable clock forward to ${now}, past the payment deadline of ${view.reference}`,
      );
      changes += 1;
      view = await get(view.reference);
    }
  }
  rows.push({
    reference: view.reference,
    process: view.process,
    itemStates: view.itemStates,
    shows: sample.shows,
    placedNow,
    invoice: view.invoice,
  });
}

const placed = rows.filter((r) => r.placedNow).length;
const states = (itemStates) =>
  Object.entries(itemStates)
    .map(([s, q]) => `${s} ${q}`)
    .join(", ");
const width = Math.max(...rows.map((r) => states(r.itemStates).length));
process.stdout.write(
  `${rows.length} sample orders at ${url} (${placed} new, ${changes} steps run this time):\n`,
);
for (const r of rows)
  process.stdout.write(
    `  ${r.reference}  ${r.process.padEnd(12)}  ${states(r.itemStates).padEnd(width)}  ${r.shows}${r.invoice ? ` (${r.invoice.reference})` : ""}\n`,
  );
for (const note of notes) process.stdout.write(`note: ${note}\n`);
const signIn = await signInLink({ url, sub: "seed" });
process.stdout.write(
  `\nsign in to the back office (once, within 5 minutes; another: npm run -s sign-in): ${signIn}\n` +
    `customers: seed-ada, seed-grace, seed-edsger, seed-kiosk (npm run -s token -- --role customer --sub seed-ada)\n`,
);
