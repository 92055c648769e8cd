import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { backoffSeconds, retryPolicyFromEnv } from "../../src/queue/invoices";
import { clientAs, orderInput } from "../helpers";

interface LogLine {
  message?: string;
  orderReference?: string;
  attempts?: number;
  delaySeconds?: number;
  error?: string;
}

/** Everything the worker logged with console.error as JSON, from now until `stop`. */
function collectErrorLogs() {
  const lines: LogLine[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((first: unknown) => {
    if (typeof first !== "string") return;
    try {
      lines.push(JSON.parse(first) as LogLine);
    } catch {
      // Not one of ours.
    }
  });
  return { lines, stop: () => spy.mockRestore() };
}

describe("a valid invoice job that keeps failing (the mail provider refuses every mail)", () => {
  it("is retried with growing delays through the real queue, then lands in dead_letters with its payload", {
    timeout: 90_000,
  }, async () => {
    // The ratchet of delays this worker was started with (vitest.config.ts OTHER_VARS).
    const policy = retryPolicyFromEnv(env);
    expect(policy).toEqual({ firstMs: 1_000, maxMs: 2_000 });

    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "none" }));
    const logs = collectErrorLogs();
    try {
      const backoffice = await clientAs("backoffice");
      await backoffice.orders.trigger.mutate({
        reference: order.reference,
        event: "invoice-generate",
        target: { all: true },
      });
      const deadLetter = () =>
        env.DB.prepare(
          "SELECT body, queue FROM dead_letters WHERE json_extract(body, '$.orderReference') = ?",
        )
          .bind(order.reference)
          .first<{ body: string; queue: string }>();
      await vi.waitUntil(deadLetter, { timeout: 80_000, interval: 500 });

      const letter = await deadLetter();
      expect(letter?.queue).toBe("invoices-dlq");
      expect(JSON.parse(letter?.body ?? "null")).toEqual({ orderReference: order.reference });

      // Every delivery failed at the mail and was retried, each later than the one before,
      // up to the cap: max_retries (5) + 1 deliveries in all.
      const retries = logs.lines.filter(
        (l) => l.message === "invoice job failed; retrying" && l.orderReference === order.reference,
      );
      expect(retries.map((l) => l.attempts)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(retries.map((l) => l.delaySeconds)).toEqual(
        [1, 2, 3, 4, 5, 6].map((n) => backoffSeconds(n, policy)),
      );
      expect(retries.map((l) => l.delaySeconds)).toEqual([1, 2, 2, 2, 2, 2]);
      expect(retries.every((l) => /mail|fetch|connect|network/i.test(l.error ?? ""))).toBe(true);
    } finally {
      logs.stop();
    }

    // The invoice exists (numbered and stored before the mail failed), was never mailed, and
    // the order does not claim it was issued.
    const invoice = await env.DB.prepare(
      "SELECT reference, mailed_at FROM invoices WHERE order_reference = ?",
    )
      .bind(order.reference)
      .first<{ reference: string; mailed_at: string | null }>();
    expect(invoice?.mailed_at).toBeNull();
    const backoffice = await clientAs("backoffice");
    expect((await backoffice.orders.get.query({ reference: order.reference })).invoice).toBeNull();
  });
});

describe("a `default` entry in PAYMENT_PROCESSES", () => {
  it("takes payment methods the map does not name", async () => {
    const checkout = await clientAs("checkout", "shop");
    const order = await checkout.orders.place.mutate(orderInput({ paymentMethod: "voucher" }));
    expect(order.paymentMethod).toBe("voucher");
    expect(order.process).toBe("no-payment@1");
  });
});
