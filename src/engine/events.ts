import { z } from "zod";
import { taxCategory } from "../domain/einvoice";
import { lineText, type Target } from "../domain/inputs";
import type { JsonObject } from "../domain/json";
import { limits } from "../domain/limits";
import type { MoneyStatus } from "../domain/order-view";
import { type Failure, fail } from "../domain/result";
import type { ProcessDefinition } from "../machines/registry";
import {
  type Change,
  type Effect,
  type ErpEffect,
  emptyChange,
  type Item,
  itemTimerId,
  type NewHistoryEntry,
  type OrderHeader,
  type OrderState,
  type Timer,
} from "./model";
import { type Billed, billedDifference, moneySourceOf, orderMoney, statusOf } from "./money";
import { acceptedEvents, flagsOf, type StepResult, stateInfo, step } from "./step";

export interface Moved {
  itemId: string;
  from: string;
  to: string;
  quantity: number;
}
export interface Skipped {
  itemId: string;
  state: string;
  reason: string;
}

/**
 * What moved and what was skipped, compact enough to keep as an idempotency record of a
 * 10,000-item event (ids grouped by transition and by state) and expanded back exactly.
 */
export interface CompactOutcome {
  event: string;
  /** [from, to, [itemId, quantity][]] */
  moved: [string, string, [string, number][]][];
  /** [state, itemIds] */
  skipped: [string, string[]][];
}

export function compactOutcome(event: string, moved: Moved[], skipped: Skipped[]): CompactOutcome {
  const byTransition = new Map<string, [string, string, [string, number][]]>();
  for (const m of moved) {
    const key = `${m.from}\u0000${m.to}`;
    let group = byTransition.get(key);
    if (!group) {
      group = [m.from, m.to, []];
      byTransition.set(key, group);
    }
    group[2].push([m.itemId, m.quantity]);
  }
  const byState = new Map<string, string[]>();
  for (const s of skipped) {
    const ids = byState.get(s.state) ?? [];
    ids.push(s.itemId);
    byState.set(s.state, ids);
  }
  return { event, moved: [...byTransition.values()], skipped: [...byState] };
}

export function expandOutcome(compact: CompactOutcome): { moved: Moved[]; skipped: Skipped[] } {
  return {
    moved: compact.moved.flatMap(([from, to, items]) =>
      items.map(([itemId, quantity]) => ({ itemId, from, to, quantity })),
    ),
    skipped: compact.skipped.flatMap(([state, ids]) =>
      ids.map((itemId) => ({ itemId, state, reason: skipReason(state, compact.event) })),
    ),
  };
}

const skipReason = (state: string, event: string) => `state ${state} does not accept ${event}`;

export interface EventOutcome {
  change: Change;
  moved: Moved[];
  skipped: Skipped[];
}

interface Selection {
  item: Item;
  quantity: number;
}

/** Resolves a target to items and quantities; an unknown id or an impossible split is BAD_REQUEST. */
export function selectTarget(state: OrderState, target: Target): Selection[] | Failure {
  if ("all" in target) return [...state.items.values()].map((item) => whole(item));
  if ("shipmentId" in target) {
    if (!state.shipments.has(target.shipmentId))
      return fail("BAD_REQUEST", `target.shipmentId: unknown shipment ${target.shipmentId}`, {
        path: ["target", "shipmentId"],
      });
    return [...state.items.values()]
      .filter((item) => item.shipmentId === target.shipmentId)
      .map((item) => whole(item));
  }
  const seen = new Set<string>();
  const selections: Selection[] = [];
  for (const [i, wanted] of target.items.entries()) {
    const item = state.items.get(wanted.id);
    const path = ["target", "items", i];
    if (!item)
      return fail("BAD_REQUEST", `target.items.${i}.id: unknown item ${wanted.id}`, {
        path: [...path, "id"],
      });
    if (seen.has(item.id))
      return fail("BAD_REQUEST", `target.items.${i}.id: item ${item.id} is listed twice`, {
        path: [...path, "id"],
      });
    seen.add(item.id);
    const quantity = wanted.quantity ?? item.quantity;
    if (quantity > item.quantity)
      return fail(
        "BAD_REQUEST",
        `target.items.${i}.quantity: item ${item.id} has only ${item.quantity}`,
        { path: [...path, "quantity"] },
      );
    const line = state.lines.get(item.lineId);
    if (quantity < item.quantity && !line?.isQuantitySplittable)
      return fail(
        "BAD_REQUEST",
        `target.items.${i}.quantity: item ${item.id} (${line?.sku}) is not splittable; take all ${item.quantity} or none`,
        { path: [...path, "quantity"] },
      );
    selections.push({ item, quantity });
  }
  return selections;
}

const whole = (item: Item): Selection => ({ item, quantity: item.quantity });

/**
 * Splits `quantity` off a splittable item as a new item `id` with the same line, state,
 * shipment and pending timers; the rest stays. Returns the new item (not yet in `change.items`).
 */
export function splitItem(
  state: OrderState,
  change: Change,
  item: Item,
  quantity: number,
  id: string,
): Item {
  change.items.push({ ...item, quantity: item.quantity - quantity });
  for (const timer of state.timers.values())
    if (timer.itemId === item.id)
      change.timers.push({
        ...timer,
        id: itemTimerId(id, timer.id.slice(item.id.length + 1)),
        itemId: id,
      });
  return { ...item, id, quantity };
}

/**
 * Steps items through the process. Items in the same state and context react the same way to
 * the same event, so each distinct (state, context) is stepped once: a bulk event on 10,000
 * items costs a handful of xstate transitions, not 10,000.
 */
export class Stepper {
  private readonly cache = new Map<string, Stepped | null>();
  constructor(
    readonly process: ProcessDefinition,
    readonly settings: OrderSettings = defaultOrderSettings,
  ) {}

  step(item: Item, event: string): Stepped | null {
    const context = JSON.stringify(item.context);
    const key = `${item.state}\u0000${context}\u0000${event}`;
    let stepped = this.cache.get(key);
    if (stepped === undefined) {
      const result = step(this.process, { state: item.state, context: item.context }, event);
      stepped = result && {
        ...result,
        unchanged:
          result.snapshot.state === item.state &&
          JSON.stringify(result.snapshot.context) === context,
      };
      this.cache.set(key, stepped);
    }
    return stepped;
  }
}

/** A step's result, and whether it left the item's snapshot as it was (nothing to write). */
export interface Stepped extends StepResult {
  unchanged: boolean;
}

export interface ApplyOptions {
  event: string;
  actor: string;
  now: number;
  data?: JsonObject;
  /** History entry type: `event` for commands, `timer` for a timer firing. */
  type?: string;
}

/** What the engine takes from the configuration. */
export interface OrderSettings {
  /**
   * INVOICE_REQUEST_TIMEOUT: while an invoice requested this long ago is not issued, another
   * request is recorded as skipped instead of queuing a second job; after it, a request goes
   * out again (the first job may be lost).
   */
  invoiceRequestTimeoutMs: number;
}

export const defaultOrderSettings: OrderSettings = { invoiceRequestTimeoutMs: 60 * 60_000 };

/**
 * Applies one event to the selected items: items whose state accepts it move (splitting an item
 * when only part of its quantity is selected), the others are skipped with their state.
 */
export function applyEvent(
  state: OrderState,
  stepper: Stepper,
  selections: Selection[],
  options: ApplyOptions,
): EventOutcome {
  const change = emptyChange();
  const moved: Moved[] = [];
  const skipped: Skipped[] = [];
  const groups = new Map<string, NewHistoryEntry>();
  const commands = new Map<string, string[]>();
  /** Items whose money changed status (open to canceled, open to refunded ...). */
  const entered = new Map<MoneyStatus, string[]>();
  let nextItemNo = state.header.nextItemNo;

  for (const { item, quantity } of selections) {
    const result = stepper.step(item, options.event);
    if (!result) {
      skipped.push({
        itemId: item.id,
        state: item.state,
        reason: skipReason(item.state, options.event),
      });
      continue;
    }
    let target = item;
    if (quantity < item.quantity)
      target = splitItem(state, change, item, quantity, `I${nextItemNo++}`);
    // A transition that stays put (invoice-generate) runs its commands but rewrites nothing.
    if (target !== item || !result.unchanged)
      change.items.push({
        ...target,
        state: result.snapshot.state,
        context: result.snapshot.context,
        // Only entering another state restarts the clock: a self-transition or a context
        // change (the window closing) leaves the item where it has been waiting.
        stateSince: result.snapshot.state === item.state ? target.stateSince : options.now,
      });
    moved.push({ itemId: target.id, from: item.state, to: result.snapshot.state, quantity });

    for (const sendId of result.timers.cancel) {
      const id = itemTimerId(target.id, sendId);
      if (target === item) change.deletedTimers.push(id);
      else change.timers = change.timers.filter((t) => t.id !== id);
    }
    for (const scheduled of result.timers.schedule)
      change.timers.push({
        id: itemTimerId(target.id, scheduled.id),
        itemId: target.id,
        event: scheduled.event,
        dueAt: options.now + scheduled.delayMs,
      });
    for (const command of result.commands) {
      const ids = commands.get(command) ?? [];
      ids.push(target.id);
      commands.set(command, ids);
    }

    const from = statusOf(stateInfo(stepper.process, item.state)?.flags ?? []);
    const to = statusOf(stateInfo(stepper.process, result.snapshot.state)?.flags ?? []);
    if (from !== to) {
      const ids = entered.get(to) ?? [];
      ids.push(target.id);
      entered.set(to, ids);
    }

    const groupKey = `${item.state}\u0000${result.snapshot.state}`;
    let entry = groups.get(groupKey);
    if (!entry) {
      entry = {
        at: options.now,
        actor: options.actor,
        type: options.type ?? "event",
        event: options.event,
        itemIds: [],
        from: item.state,
        to: result.snapshot.state,
        ...(options.data ? { data: options.data } : {}),
      };
      groups.set(groupKey, entry);
    }
    entry.itemIds.push(target.id);
  }

  change.history.push(...groups.values());
  if (nextItemNo !== state.header.nextItemNo) change.header = { ...state.header, nextItemNo };
  // The ERP has the order once it was exported: from then on it hears of every cancellation.
  if (state.header.exportedAt !== null) {
    const cancelled = moved.filter(
      (m) =>
        flagsOf(stepper.process, m.to).includes("cancelled") &&
        !flagsOf(stepper.process, m.from).includes("cancelled"),
    );
    if (cancelled.length > 0)
      change.effects.push(
        erpEvent(state.header, options.now, "order.items.cancelled", {
          itemIds: cancelled.map((m) => m.itemId),
        }),
      );
  }
  addCommandsOf(state.header, stepper.process, change, commands, options, stepper.settings);
  // Events only move money out of charged (canceled and refunded states are final), so the
  // refusal recordMoneyMoved can answer concerns edits, not events.
  if (entered.size > 0) recordMoneyMoved(state, stepper.process, change, options, entered);
  return { change, moved, skipped };
}

/**
 * Records the money a change moves: a `cancellation` history entry when the canceled total
 * moves, a `refund` entry when the refunded total moves (per-line amounts, shipping expenses
 * refunded with the last item of their shipment), and for refunds an outbound
 * `order.items.refunded` event for the ERP. Amounts are the exact difference of `orderMoney`
 * before and after, so the entries of an order add up to its totals.
 */
export function recordMoneyMoved(
  state: OrderState,
  process: ProcessDefinition,
  change: Change,
  options: { actor: string; now: number; event: string },
  entered: ReadonlyMap<MoneyStatus, string[]> = new Map(),
): Failure | null {
  const after = afterChange(state, change);
  const was = orderMoney(moneySourceOf(state, process));
  const is = orderMoney(moneySourceOf(after, process));
  // Once an invoice is issued or on its way, what leaves it is credited (a credit note per
  // change, its content kept with the change's money entry), and nothing may come back.
  const header = change.header ?? state.header;
  const invoiced = header.invoice !== null || header.invoiceRequestedAt !== null;
  const credit = invoiced ? billedDifference(was, is) : null;
  if (credit === "back")
    return fail(
      "PRECONDITION_FAILED",
      `the order's invoice is ${header.invoice ? `issued (${header.invoice.reference})` : "being issued"}: this change would charge again money that left it (an expense or units of a canceled or refunded part); its invoice and credit notes cannot express that`,
      { invoice: header.invoice?.reference ?? null },
    );
  let last: NewHistoryEntry | undefined;
  for (const status of ["canceled", "refunded"] as const) {
    const total = status === "canceled" ? "canceledTotal" : "refundedTotal";
    const amount = is[total] - was[total];
    const itemIds = entered.get(status) ?? [];
    if (amount === 0 && itemIds.length === 0) continue;
    const units = new Map<string, number>();
    for (const id of itemIds) {
      const item = after.items.get(id);
      if (item) units.set(item.lineId, (units.get(item.lineId) ?? 0) + item.quantity);
    }
    const lines = [...is.lines].flatMap(([lineId, a]) => {
      const moved = a[status] - (was.lines.get(lineId)?.[status] ?? 0);
      const quantity = units.get(lineId) ?? 0;
      return moved === 0 && quantity === 0
        ? []
        : [{ lineId, sku: state.lines.get(lineId)?.sku ?? "", quantity, amount: moved }];
    });
    const shipping = [...is.expenses].flatMap(([shipmentId, e]) => {
      const moved = e[status] - (was.expenses.get(shipmentId)?.[status] ?? 0);
      return moved === 0 ? [] : [{ shipmentId, amount: moved }];
    });
    const currency = state.header.currency;
    last = {
      at: options.now,
      actor: options.actor,
      type: status === "canceled" ? "cancellation" : "refund",
      event: options.event,
      itemIds,
      data: {
        currency,
        amount,
        items: lines.reduce((n, l) => n + l.amount, 0),
        shipping,
        [total]: is[total],
      },
    };
    change.history.push(last);
    if (status === "refunded")
      change.effects.push(
        erpEvent(change.header ?? state.header, options.now, "order.items.refunded", {
          currency,
          refundedAmount: amount,
          refundedTotal: is.refundedTotal,
          itemIds,
          lines: lines.map(({ amount: refundedAmount, ...l }) => ({ ...l, refundedAmount })),
          shipping: shipping.map(({ amount: refundedAmount, ...s }) => ({ ...s, refundedAmount })),
        }),
      );
  }
  if (credit && last && credit.totals.grandTotal > 0) {
    // One credit note for the change, named by its last money entry. Issued now when the
    // invoice exists; when it is still on its way, recording it issues those after its version.
    last.data = { ...last.data, credit: creditJson(credit) };
    if (header.invoice !== null) change.effects.push({ kind: "credit-note", key: last });
  }
  return null;
}

/** Credit-note content as a history entry keeps it (flat: tax classes as tuples). */
const creditJson = ({ lines, shipping, totals }: Billed) => {
  const { taxByRate, ...sums } = totals;
  return {
    lines: lines.map((l) => [l.lineId, l.quantity]),
    shipping,
    totals: sums,
    taxByRate: taxByRate.map((r) => [r.category, r.rate, r.net, r.tax]),
  };
};

const storedCredit = z.object({
  lines: z.array(z.tuple([z.string(), z.number()])),
  shipping: z.array(z.string()),
  totals: z.object({
    subtotal: z.number(),
    expenseTotal: z.number(),
    discountTotal: z.number(),
    taxTotal: z.number(),
    grandTotal: z.number(),
  }),
  taxByRate: z.array(z.tuple([taxCategory, z.number(), z.number(), z.number()])),
});

/** The credit-note content a money entry carries (`data.credit`), or null when it has none. */
export function creditOfEntry(data: JsonObject | undefined): Billed | null {
  if (data?.credit === undefined) return null;
  const { lines, shipping, totals, taxByRate } = storedCredit.parse(data.credit);
  return {
    lines: lines.map(([lineId, quantity]) => ({ lineId, quantity })),
    shipping,
    totals: {
      ...totals,
      taxByRate: taxByRate.map(([category, rate, net, tax]) => ({ category, rate, net, tax })),
    },
  };
}

/** Commands become history entries and effects; per-order commands run once per event. */
export function addCommandsOf(
  baseHeader: OrderHeader,
  process: ProcessDefinition,
  change: Change,
  commands: Map<string, string[]>,
  options: ApplyOptions,
  settings: OrderSettings = defaultOrderSettings,
) {
  for (const [command, itemIds] of commands) {
    const scope = process.commands[command] ?? "item";
    const entry: NewHistoryEntry = {
      at: options.now,
      actor: options.actor,
      type: "command",
      event: command,
      itemIds,
      data: { scope, trigger: options.event },
    };
    const effect = effectOf(command, itemIds, change.header ?? baseHeader, options.now);
    if (command === "notifyErp") {
      const header = change.header ?? baseHeader;
      if (header.exportedAt === null) change.header = { ...header, exportedAt: options.now };
    }
    if (command === "generateInvoice") {
      // One invoice per order: once issued, asking again changes nothing. Requested and on its
      // way, asking again queues nothing either (a bulk import of the same request is one job).
      // Requested longer ago than INVOICE_REQUEST_TIMEOUT and still not issued (its job lost or
      // dead-lettered), it is requested again: issuing is idempotent per order (one number, one
      // document, one mail), so a job that was merely slow does no harm.
      const header = change.header ?? baseHeader;
      const skipped = invoiceRequestSkipped(header, options.now, settings);
      if (skipped) {
        entry.data = { ...entry.data, skipped };
        change.history.push(entry);
        continue;
      }
      if (header.invoiceRequestedAt !== null) entry.data = { ...entry.data, reissued: true };
      change.header = { ...header, invoiceRequestedAt: options.now };
    }
    change.history.push(entry);
    if (effect) change.effects.push(effect);
  }
}

/** Why a new invoice request queues no job (the history records it as skipped), or null. */
function invoiceRequestSkipped(
  header: OrderHeader,
  now: number,
  settings: OrderSettings,
): string | null {
  if (header.invoice !== null) return "this order's invoice was already issued";
  const at = header.invoiceRequestedAt;
  if (at === null || now - at >= settings.invoiceRequestTimeoutMs) return null;
  const again = new Date(at + settings.invoiceRequestTimeoutMs).toISOString();
  return `an invoice was requested at ${new Date(at).toISOString()} and is being issued; a request after ${again} asks again if it has not arrived`;
}

/** An event for the ERP, with the order's custom reference at that moment. */
export function erpEvent(
  header: OrderHeader,
  at: number,
  type: string,
  data: JsonObject,
): ErpEffect {
  return { kind: "erp", type, at, customOrderReference: header.customOrderReference, data };
}

function effectOf(
  command: string,
  itemIds: string[],
  header: OrderHeader,
  now: number,
): Effect | null {
  switch (command) {
    case "sendOrderConfirmation":
      return { kind: "mail", template: "order-confirmation" };
    case "generateInvoice":
      return { kind: "invoice" };
    case "notifyErp":
      return erpEvent(header, now, "order.exported", { itemIds });
    default:
      // Item-level bookkeeping commands (releaseReservation, refundItem) are recorded in the
      // history; the ERP learns of them through its export.
      return null;
  }
}

/** Describes why no targeted item accepts an event: each state with the events it accepts. */
export function rejection(
  state: OrderState,
  process: ProcessDefinition,
  event: string,
  skipped: Skipped[],
): Failure {
  const byState = new Map<string, string[]>();
  for (const s of skipped) {
    const ids = byState.get(s.state) ?? [];
    ids.push(s.itemId);
    byState.set(s.state, ids);
  }
  const states = [...byState].map(([name, itemIds]) => {
    const sample = state.items.get(itemIds[0] ?? "");
    const accepts = sample
      ? acceptedEvents(process, { state: sample.state, context: sample.context }, true)
      : [];
    return { state: name, itemIds: itemIds.slice(0, 20), items: itemIds.length, accepts };
  });
  const text = states
    .map((s) => `${s.items} item(s) in ${s.state} (accepts: ${s.accepts.join(", ") || "nothing"})`)
    .join("; ");
  return fail(
    "PRECONDITION_FAILED",
    `no targeted item accepts ${event}: ${text || "no items targeted"}`,
    {
      event,
      states,
    },
  );
}

/**
 * Refuses a change that would take the order past its item limits (items, and SKU and name
 * text shown per item): splits add items. `path` names the request field that asked for them.
 */
export function checkGrowth(
  state: OrderState,
  change: Change,
  path: (string | number)[],
): Failure | null {
  const added = change.items.filter((i) => !state.items.has(i.id));
  if (added.length === 0) return null;
  const items = state.items.size + added.length;
  if (items > limits.maxItems)
    return fail(
      "BAD_REQUEST",
      `${path.join(".")}: splitting would make ${items} items; an order holds at most ${limits.maxItems}`,
      { path, items, maxItems: limits.maxItems },
    );
  const textOf = (item: Item) => {
    const line = state.lines.get(item.lineId);
    return line ? lineText(line) : 0;
  };
  let text = 0;
  for (const item of state.items.values()) text += textOf(item);
  for (const item of added) text += textOf(item);
  if (text > limits.maxItemText)
    return fail(
      "BAD_REQUEST",
      `${path.join(".")}: splitting would make the items carry ${text} characters of SKU and name; an order holds at most ${limits.maxItemText}`,
      { path, itemText: text, maxItemText: limits.maxItemText },
    );
  return null;
}

/** The order as it will be once `change` is applied; `state` stays as it is. */
export function afterChange(state: OrderState, change: Change): OrderState {
  const next: OrderState = {
    ...state,
    lines: new Map(state.lines),
    items: new Map(state.items),
    shipments: new Map(state.shipments),
    timers: new Map(state.timers),
  };
  applyChange(next, change);
  return next;
}

/** Applies a change to the in-memory state, after it was written to storage. */
export function applyChange(state: OrderState, change: Change): void {
  if (change.header) state.header = change.header;
  for (const line of change.lines ?? []) state.lines.set(line.id, line);
  for (const id of change.deletedItems ?? []) state.items.delete(id);
  for (const item of change.items) state.items.set(item.id, item);
  for (const id of change.deletedShipments ?? []) state.shipments.delete(id);
  for (const shipment of change.shipments ?? []) state.shipments.set(shipment.id, shipment);
  for (const id of change.deletedTimers) state.timers.delete(id);
  for (const timer of change.timers) state.timers.set(timer.id, timer);
  state.version += change.history.length;
}

/** When the order's earliest timer is due, or null when it has none. */
export function nextTimerDue(state: OrderState): number | null {
  let next: number | null = null;
  for (const t of state.timers.values()) if (next === null || t.dueAt < next) next = t.dueAt;
  return next;
}

/** Timers due at or before `now`, earliest first. */
export function dueTimers(state: OrderState, now: number): Timer[] {
  return [...state.timers.values()]
    .filter((t) => t.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}
