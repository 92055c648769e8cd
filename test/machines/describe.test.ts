import { describe, expect, it } from "vitest";
import { describeProcess } from "../../src/machines/describe";
import { listProcesses } from "../../src/machines/registry";
import { noPayment, payment } from "./helpers";

describe("describeProcess", () => {
  it("names the process, its version and its initial state", () => {
    expect(describeProcess(payment())).toMatchObject({
      id: "payment@1",
      name: "payment",
      version: 1,
      initial: "new",
    });
  });

  it("lists every state with its display name, flags and manual events", () => {
    const { states } = describeProcess(payment());
    expect(states.map((s) => s.name)).toEqual([
      "new",
      "payment-pending",
      "paid",
      "confirmed",
      "exported",
      "shipped",
      "delivered",
      "returned",
      "refunded",
      "cancelled",
      "invalid",
      "closed",
    ]);
    expect(states.find((s) => s.name === "payment-pending")).toEqual({
      name: "payment-pending",
      display: "payment pending",
      flags: ["cancellable", "reserved"],
      manualEvents: ["pay", "cancel"],
    });
    expect(states.find((s) => s.name === "closed")?.manualEvents).toEqual([]);
  });

  it("describes timeouts, eventless moves with guards, and commands", () => {
    const { transitions } = describeProcess(payment());
    expect(transitions).toContainEqual({
      from: "payment-pending",
      to: "invalid",
      event: "after paymentTimeout",
      manual: false,
      commands: ["releaseReservation"],
    });
    expect(transitions).toContainEqual({
      from: "confirmed",
      to: "exported",
      event: "always",
      manual: false,
      guard: "windowClosed",
      commands: ["notifyErp"],
    });
    expect(transitions).toContainEqual({
      from: "new",
      to: "payment-pending",
      event: "always",
      manual: false,
      commands: ["sendOrderConfirmation"],
    });
    expect(transitions).toContainEqual({
      from: "delivered",
      to: "closed",
      event: "after closeAfterDelivery",
      manual: false,
      commands: [],
    });
  });

  it("shows invoice generation as a manual transition that stays in its state", () => {
    const invoices = describeProcess(payment()).transitions.filter(
      (t) => t.event === "invoice-generate",
    );
    expect(invoices.map((t) => [t.from, t.to])).toEqual([
      ["confirmed", "confirmed"],
      ["exported", "exported"],
      ["shipped", "shipped"],
      ["delivered", "delivered"],
    ]);
    for (const t of invoices) {
      expect(t.manual).toBe(true);
      expect(t.commands).toEqual(["generateInvoice"]);
    }
  });

  it("leaves out the bookkeeping of the window event where it moves nothing", () => {
    const windowMoves = describeProcess(payment()).transitions.filter(
      (t) => t.event === "cancellation-window-closed",
    );
    expect(windowMoves).toEqual([
      {
        from: "confirmed",
        to: "exported",
        event: "cancellation-window-closed",
        manual: false,
        commands: ["notifyErp"],
      },
    ]);
  });

  it("draws a Mermaid state diagram that mentions every state and ends the final ones", () => {
    for (const def of listProcesses()) {
      const { mermaid, states, transitions } = describeProcess(def);
      const lines = mermaid.trimEnd().split("\n");
      expect(lines[0]).toBe("stateDiagram-v2");
      expect(lines).toContain("  [*] --> new");
      for (const s of states) {
        const id = s.name.replaceAll("-", "_");
        expect(lines).toContain(`  state "${s.display}" as ${id}`);
        if (s.flags.includes("final")) expect(lines).toContain(`  ${id} --> [*]`);
      }
      // One line per transition, and Mermaid ids never contain "-".
      const arrows = lines.filter((l) => / --> /.test(l) && !l.includes("[*]"));
      expect(arrows).toHaveLength(transitions.length);
      for (const line of arrows) {
        const ids = (line.split(" : ")[0] ?? "").trim().split(" --> ");
        for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_]+$/);
      }
    }
  });

  it("labels transitions with event, guard and commands", () => {
    const { mermaid } = describeProcess(payment());
    expect(mermaid).toContain("  payment_pending --> paid : pay\n");
    expect(mermaid).toContain("  confirmed --> exported : always [windowClosed] / notifyErp\n");
    expect(mermaid).toContain(
      "  payment_pending --> invalid : after paymentTimeout / releaseReservation\n",
    );
  });

  it("draws no-payment@1 without payment states", () => {
    const { mermaid } = describeProcess(noPayment());
    expect(mermaid).toContain("  new --> confirmed : always / sendOrderConfirmation\n");
    expect(mermaid).not.toContain("payment_pending");
    expect(mermaid).toContain("  returned --> closed : close\n");
  });

  it("names every manual event, command and timer of every registered process for people", () => {
    for (const process of listProcesses()) {
      const { displayNames, transitions } = describeProcess(process);
      for (const event of process.manualEvents) {
        expect(displayNames.events[event]?.label, `${process.id} ${event}`).toMatch(/^[A-Z]/);
        expect(displayNames.events[event]?.done, `${process.id} ${event}`).toMatch(/^[A-Z]/);
      }
      for (const command of Object.keys(process.commands))
        expect(displayNames.commands[command], `${process.id} ${command}`).toMatch(/^[A-Z]/);
      for (const t of transitions.filter((t) => t.event.startsWith("after ")))
        expect(displayNames.timers[t.event.slice(6)], `${process.id} ${t.event}`).toMatch(/^[A-Z]/);
    }
    expect(describeProcess(payment()).displayNames.events["invoice-generate"]).toEqual({
      label: "Generate invoice",
      done: "Invoice requested",
    });
  });
});
