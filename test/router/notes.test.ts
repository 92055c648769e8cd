import { describe, expect, it } from "vitest";
import { call, clientAs, entriesOf, orderInput, tokenFor } from "../helpers";

const customer = { reference: "nora", email: "nora@example.com", firstName: "N", lastName: "O" };

async function placed() {
  const checkout = await clientAs("checkout", "shop");
  return checkout.orders.place.mutate(orderInput({ customer }));
}

describe("internal notes (orders.addNote)", () => {
  it("staff leave notes that staff read in the history by time, without changing the order", async () => {
    const order = await placed();
    const backoffice = await clientAs("backoffice", "alice");
    const support = await clientAs("support", "sam");
    const first = await support.orders.addNote.mutate({
      reference: order.reference,
      text: "  Customer called: wants delivery after the 12th.\nCall back on Monday.  ",
    });
    expect(first).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      actor: "support:sam",
      text: "Customer called: wants delivery after the 12th.\nCall back on Monday.",
    });
    await backoffice.orders.trigger.mutate({
      reference: order.reference,
      event: "pay",
      target: { all: true },
    });
    const second = await backoffice.orders.addNote.mutate({
      reference: order.reference,
      text: "Paid by bank transfer (checked the statement).",
    });
    expect(second.actor).toBe("backoffice:alice");

    const view = await backoffice.orders.get.query({ reference: order.reference });
    const history = await support.orders.history.query({ reference: order.reference });
    // The notes, where they happened: after the placement, around the payment.
    const types = history.map((h) => h.type);
    expect(types.filter((t) => t === "note")).toHaveLength(2);
    expect(types.indexOf("note")).toBeGreaterThan(types.indexOf("placed"));
    expect(types.lastIndexOf("note")).toBeGreaterThan(types.indexOf("event"));
    const notes = history.filter((h) => h.type === "note");
    expect(notes[0]).toEqual({ type: "note", itemIds: [], ...first });
    expect(notes.every((n) => !("seq" in n))).toBe(true);
    expect(history.map((h) => h.at)).toEqual(history.map((h) => h.at).sort());
    // Notes are not versions: the history's sequence stays gap-free and ends at the version.
    const entries = entriesOf(history);
    expect(entries.map((h) => h.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.at(-1)?.seq).toBe(view.version);
    expect(await backoffice.orders.history.query({ reference: order.reference })).toEqual(history);
  });

  it("a customer never sees them, nor does the history of one item", async () => {
    const order = await placed();
    const support = await clientAs("support", "sam");
    await support.orders.addNote.mutate({ reference: order.reference, text: "Fraud check." });
    const nora = await clientAs("customer", "nora");
    const own = await nora.orders.history.query({ reference: order.reference });
    expect(own.length).toBeGreaterThan(0);
    expect(own.some((h) => h.type === "note")).toBe(false);
    expect(JSON.stringify(own)).not.toContain("Fraud check");
    const item = await support.orders.history.query({ reference: order.reference, itemId: "I1" });
    expect(item.some((h) => h.type === "note")).toBe(false);
    const token = await tokenFor("customer", "nora");
    const refused = await call(
      "orders.addNote",
      { reference: order.reference, text: "hi" },
      { token },
    );
    expect(refused.body.error?.data.code).toBe("FORBIDDEN");
  });

  it("refuses bad text naming the field, and an order that does not exist, storing nothing", async () => {
    const order = await placed();
    const token = await tokenFor("backoffice", "alice");
    const bad = {
      empty: "   ",
      "too long": "x".repeat(2_001),
      "a lone surrogate": "broken \ud800 text",
      "a control character": "bell \u0007",
    };
    for (const [why, text] of Object.entries(bad)) {
      const res = await call("orders.addNote", { reference: order.reference, text }, { token });
      expect(res.status, why).toBe(400);
      expect(res.body.error?.data.issues?.[0]?.path, why).toEqual(["text"]);
    }
    // 2,000 characters are fine, counted as a person counts them (code points).
    const long = "🙂".repeat(2_000);
    const ok = await call("orders.addNote", { reference: order.reference, text: long }, { token });
    expect(ok.status).toBe(200);
    const missing = await call(
      "orders.addNote",
      { reference: "ORD-DOESNOTEXIST", text: "hello" },
      { token },
    );
    expect(missing.status).toBe(404);
    const support = await clientAs("support", "sam");
    const history = await support.orders.history.query({ reference: order.reference });
    expect(history.flatMap((h) => ("text" in h ? [h.text] : []))).toEqual([long]);
  });
});
