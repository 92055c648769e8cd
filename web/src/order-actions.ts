import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { Inputs, OrderView, TriggerResult } from "./api";
import { describeError, errorCode } from "./errors";
import { plural } from "./format";
import type { Names } from "./names";
import { useTRPC } from "./trpc";

export interface Feedback {
  kind: "ok" | "error";
  text: string;
  /** New for every message, so the same text twice is announced twice. */
  id: number;
}

/** A command's input as the page gives it: the order and its version are added here. */
type FromPage<T> = Omit<T, "reference" | "expectedVersion">;

/**
 * Every command on one order, each sent with the version the page shows (`expectedVersion`):
 * a page that is behind is refused by the order itself, then reloads and says so. Never blind.
 */
export function useOrderActions(reference: string, names: Names) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const say = useCallback(
    (kind: Feedback["kind"], text: string) => setFeedback({ kind, text, id: Date.now() }),
    [],
  );

  const trigger = useMutation(trpc.orders.trigger.mutationOptions());
  const setCustomReference = useMutation(trpc.orders.setCustomReference.mutationOptions());
  const closeWindow = useMutation(trpc.orders.closeCancellationWindow.mutationOptions());
  const createShipment = useMutation(trpc.shipments.create.mutationOptions());
  const updateShipment = useMutation(trpc.shipments.update.mutationOptions());
  const moveItems = useMutation(trpc.shipments.moveItems.mutationOptions());
  const resendInvoice = useMutation(trpc.invoices.resend.mutationOptions());
  const busy = [
    trigger,
    setCustomReference,
    closeWindow,
    createShipment,
    updateShipment,
    moveItems,
    resendInvoice,
  ].some((m) => m.isPending);

  /** Reloads everything this page shows about the order. */
  const reload = useCallback(
    () => queryClient.invalidateQueries({ queryKey: trpc.orders.pathKey() }),
    [queryClient, trpc],
  );
  const show = useCallback(
    (order: OrderView) => queryClient.setQueryData(trpc.orders.get.queryKey({ reference }), order),
    [queryClient, trpc, reference],
  );

  async function run<T>(work: Promise<T>, done: (result: T) => string | null) {
    try {
      const result = await work;
      const text = done(result);
      if (text) say("ok", text);
      return result;
    } catch (error) {
      say("error", describeError(error));
      // Said before it is done: the reload may take a while, the person should know at once.
      if (errorCode(error) === "CONFLICT" || errorCode(error) === "NOT_FOUND") void reload();
      return undefined;
    }
  }

  const moves = (r: TriggerResult) => {
    const units = r.moved.reduce((n, m) => n + m.quantity, 0);
    const paths = [
      ...new Set(r.moved.map((m) => `${names.display(m.from)} → ${names.display(m.to)}`)),
    ];
    return r.moved.length === 0
      ? "nothing moved"
      : `${plural(r.moved.length, "item")} (${plural(units, "unit")}) moved, ${paths.join(", ")}`;
  };

  return {
    feedback,
    busy,
    reload,
    say,
    describeMoves: moves,

    /** Runs an event (or its dry run, which changes nothing and is returned as is). */
    async trigger(
      view: OrderView,
      input: FromPage<Inputs["orders"]["trigger"]>,
    ): Promise<TriggerResult | undefined> {
      return run(
        trigger.mutateAsync({ reference, expectedVersion: view.version, ...input }),
        (result) => {
          if (input.dryRun) return null;
          show(result.order);
          const skipped = result.skipped.length
            ? `; ${plural(result.skipped.length, "item")} skipped`
            : "";
          return `${names.label(input.event)}: ${moves(result)}${skipped}.`;
        },
      );
    },

    setCustomReference(view: OrderView, customOrderReference: string) {
      return run(
        setCustomReference.mutateAsync({
          reference,
          expectedVersion: view.version,
          customOrderReference,
        }),
        (order) => {
          show(order);
          return customOrderReference
            ? `Custom reference set to “${order.customOrderReference}”.`
            : "Custom reference cleared.";
        },
      );
    },

    closeCancellationWindow(view: OrderView) {
      return run(closeWindow.mutateAsync({ reference, expectedVersion: view.version }), (order) => {
        show(order);
        return "The cancellation window is closed: the customer can no longer cancel.";
      });
    },

    createShipment(view: OrderView, input: FromPage<Inputs["shipments"]["create"]>) {
      return run(
        createShipment.mutateAsync({ reference, expectedVersion: view.version, ...input }),
        (order) => {
          show(order);
          const created = order.shipments.find((s) => !view.shipments.some((o) => o.id === s.id));
          return `Shipment ${created?.id ?? ""} created with ${plural(input.items.length, "item")}.`;
        },
      );
    },

    updateShipment(view: OrderView, input: FromPage<Inputs["shipments"]["update"]>) {
      return run(
        updateShipment.mutateAsync({ reference, expectedVersion: view.version, ...input }),
        (order) => {
          show(order);
          return `Shipment ${input.shipmentId} saved.`;
        },
      );
    },

    moveItems(view: OrderView, input: FromPage<Inputs["shipments"]["moveItems"]>) {
      return run(
        moveItems.mutateAsync({ reference, expectedVersion: view.version, ...input }),
        (order) => {
          show(order);
          return `Moved to shipment ${input.toShipmentId}.`;
        },
      );
    },

    resendInvoice(invoiceReference: string) {
      // The resend is in the order's history: the page shows that before it says it is done.
      const work = resendInvoice.mutateAsync({ reference: invoiceReference }).then(async (sent) => {
        await reload();
        return sent;
      });
      return run(work, (sent) => `Invoice ${sent.reference} mailed again.`);
    },
  };
}

export type OrderActions = ReturnType<typeof useOrderActions>;
