import { describe, expect, it } from "vitest";
import { describeProcess } from "../../src/machines/describe";
import {
  DEFAULT_DELAYS,
  delayNames,
  getProcess,
  listProcesses,
  parsePaymentProcesses,
  paymentMethodIssue,
  processConfigFromEnv,
  processIds,
  resolveProcessId,
} from "../../src/machines/registry";

const DAY = 24 * 60 * 60 * 1000;

describe("process registry", () => {
  it("registers payment@1, no-payment@1 and payment@2 by name@version", () => {
    expect(processIds).toEqual(["payment@1", "no-payment@1", "payment@2"]);
    const def = getProcess("payment@1");
    expect(def).toMatchObject({ id: "payment@1", name: "payment", version: 1 });
    expect(getProcess("no-payment@1")).toMatchObject({ name: "no-payment", version: 1 });
    expect(listProcesses().map((d) => d.id)).toEqual(processIds);
  });

  it("does not know unregistered ids or versions", () => {
    expect(getProcess("payment@3")).toBeUndefined();
    expect(getProcess("payment")).toBeUndefined();
    expect(getProcess("constructor")).toBeUndefined();
  });

  it("each machine's id is its registry id, so timer ids differ between versions", () => {
    for (const def of listProcesses()) expect(def.machine.id).toBe(def.id);
  });

  it("hands out the same definition for the same configuration", () => {
    const config = { delays: { paymentTimeout: 1000 } };
    expect(getProcess("payment@1", config)).toBe(getProcess("payment@1", config));
    // An equal configuration in another object (a new request) shares it too.
    expect(getProcess("payment@1", { delays: { paymentTimeout: 1000 } })).toBe(
      getProcess("payment@1", config),
    );
    expect(getProcess("payment@1", { delays: { paymentTimeout: 2000 } })).not.toBe(
      getProcess("payment@1", config),
    );
    // A delay the process does not use does not make it a different definition.
    expect(getProcess("no-payment@1", config)).toBe(getProcess("no-payment@1"));
  });

  it("declares a scope for every command its transitions run", () => {
    for (const def of listProcesses()) {
      const used = new Set(describeProcess(def).transitions.flatMap((t) => t.commands));
      expect([...used].sort()).toEqual(Object.keys(def.commands).sort());
    }
    expect(getProcess("payment@1")?.commands).toEqual({
      sendOrderConfirmation: "order",
      generateInvoice: "order",
      notifyErp: "order",
      refundItem: "item",
      releaseReservation: "item",
    });
  });

  it("declares the manual events", () => {
    expect(getProcess("payment@1")?.manualEvents).toEqual([
      "pay",
      "confirm",
      "cancel",
      "ship",
      "deliver",
      "return",
      "refund",
      "close",
      "invoice-generate",
    ]);
    expect(getProcess("no-payment@1")?.manualEvents).not.toContain("cancellation-window-closed");
  });
});

describe("resolveProcessId", () => {
  const map = { prepayment: "payment@1", invoice: "payment@1", none: "no-payment@1" };

  it("picks the process mapped to the payment method", () => {
    expect(resolveProcessId("none", map)).toBe("no-payment@1");
    expect(resolveProcessId("invoice", map)).toBe("payment@1");
  });

  it("falls back to the map's default entry, and never to a process nobody chose", () => {
    expect(resolveProcessId("paypal", { ...map, default: "no-payment@1" })).toBe("no-payment@1");
    expect(paymentMethodIssue("paypal", { ...map, default: "no-payment@1" })).toBeNull();
    expect(() => resolveProcessId("prepaymnet", map)).toThrow(
      'unknown payment method "prepaymnet" (known: prepayment, invoice, none)',
    );
    expect(paymentMethodIssue("prepaymnet", map)).toBe(
      'unknown payment method "prepaymnet" (known: prepayment, invoice, none)',
    );
  });

  it("is not fooled by payment methods named like object properties", () => {
    expect(paymentMethodIssue("constructor", map)).toMatch(/^unknown payment method/);
    expect(paymentMethodIssue("__proto__", map)).toMatch(/^unknown payment method/);
    expect(resolveProcessId("constructor", { ...map, default: "payment@1" })).toBe("payment@1");
  });
});

describe("parsePaymentProcesses", () => {
  it("accepts the documented default", () => {
    const text = '{"prepayment":"payment@1","invoice":"payment@1","none":"no-payment@1"}';
    expect(parsePaymentProcesses(text)).toEqual({
      prepayment: "payment@1",
      invoice: "payment@1",
      none: "no-payment@1",
    });
  });

  it("rejects an unknown process id, naming it and the payment method", () => {
    expect(() => parsePaymentProcesses('{"card":"payment@9"}')).toThrow(
      /card: unknown process "payment@9"/,
    );
  });

  it("rejects text that is not a JSON object of strings", () => {
    expect(() => parsePaymentProcesses("payment@1")).toThrow(/not valid JSON/);
    expect(() => parsePaymentProcesses('["payment@1"]')).toThrow(/PAYMENT_PROCESSES/);
    expect(() => parsePaymentProcesses('{"card":1}')).toThrow(/card/);
  });
});

describe("processConfigFromEnv", () => {
  it("uses the defaults without PROCESS_DELAYS", () => {
    expect(processConfigFromEnv({}).delays).toEqual({
      paymentTimeout: DAY,
      stockTimeout: 14 * DAY,
      closeAfterDelivery: 14 * DAY,
    });
    expect(processConfigFromEnv({ PROCESS_DELAYS: "" }).delays).toEqual(DEFAULT_DELAYS);
  });

  it("reads human durations and merges them over the defaults", () => {
    const config = processConfigFromEnv({ PROCESS_DELAYS: '{"paymentTimeout":"2 hours"}' });
    expect(config.delays).toEqual({
      paymentTimeout: 2 * 60 * 60 * 1000,
      stockTimeout: 14 * DAY,
      closeAfterDelivery: 14 * DAY,
    });
  });

  it("returns the same configuration for the same text, so definitions stay cached", () => {
    const text = '{"closeAfterDelivery":"7 days"}';
    expect(processConfigFromEnv({ PROCESS_DELAYS: text })).toBe(
      processConfigFromEnv({ PROCESS_DELAYS: text }),
    );
  });

  it("rejects an unknown delay name, listing the known ones", () => {
    expect(delayNames).toEqual(["paymentTimeout", "closeAfterDelivery", "stockTimeout"]);
    expect(() => processConfigFromEnv({ PROCESS_DELAYS: '{"paymentTimout":"1 day"}' })).toThrow(
      /unknown delay "paymentTimout" \(known: paymentTimeout, closeAfterDelivery, stockTimeout\)/,
    );
  });

  it("rejects a bad duration, naming the delay", () => {
    expect(() => processConfigFromEnv({ PROCESS_DELAYS: '{"paymentTimeout":"soon"}' })).toThrow(
      /paymentTimeout: invalid duration "soon"/,
    );
    expect(() => processConfigFromEnv({ PROCESS_DELAYS: "{" })).toThrow(/not valid JSON/);
  });
});
