import { DurableObject } from "cloudflare:workers";
import { type OrderRow, projectOrder } from "../db/projection";
import { parseDuration } from "../domain/duration";
import type { ErpCommand, ErpResponse } from "../domain/erp";
import type { PlaceOrderInput, Target } from "../domain/inputs";
import { type Actor, actorLabel } from "../domain/principal";
import { type Failure, fail, type Result } from "../domain/result";
import type { HistoryView, OrderView } from "../domain/view";
import type { Command } from "../engine/commands";
import * as commands from "../engine/commands";
import { applyChange, dueTimers, type Moved, type Skipped, Stepper } from "../engine/events";
import type { Change, OrderState } from "../engine/model";
import { placeOrder } from "../engine/place";
import { searchFields } from "../engine/search";
import {
  createShipment,
  type ItemQuantity,
  moveItems,
  type ShipmentDetails,
  updateShipment,
} from "../engine/shipments";
import { acceptedEvents, stateInfo } from "../engine/step";
import { fireDueTimer } from "../engine/timers";
import { dominantState, itemStates, orderView } from "../engine/view";
import {
  getProcess,
  type ProcessDefinition,
  parsePaymentProcesses,
  processConfigFromEnv,
  resolveProcessId,
} from "../machines/registry";
import { confirmationMail } from "../mail/confirmation";
import { mailTransportFromEnv } from "../mail/transport";
import { OrderStore, type OutboxRow } from "./order-store";

/** Who asks: a customer sees only its own orders. */
export interface Viewer {
  role: "customer" | "checkout" | "backoffice" | "erp" | "system";
  sub?: string;
}

export interface MutationOptions {
  idempotencyKey?: string;
  expectedVersion?: number;
}

/** How a command is made idempotent: its key, the request's hash, and what to remember. */
interface Idempotency {
  key: string;
  hash: string;
  rememberFailures: boolean;
}

const ALARM_RETRY_MS = 5_000;
/**
 * At most one projection per order goes to D1 in this span: the first change of a burst is
 * projected at once, the rest of the burst shares one write at its end. Lists are eventually
 * consistent anyway.
 */
const PROJECTION_SPACING_MS = 50;
/** A bound on delivery rounds per drain; whatever is left waits for the alarm. */
const MAX_DRAIN_ROUNDS = 10;

/** One order: its items' states, history, timers and outbox, in the object's own SQLite. */
export class OrderObject extends DurableObject<Env> {
  private readonly store: OrderStore;
  private state: OrderState | null = null;
  private draining: Promise<void> | null = null;
  private steppers = new Map<string, Stepper>();
  private d1RowsWritten = 0;
  private lastProjectionAt = Number.NEGATIVE_INFINITY;
  /** The alarm as this instance last set it (undefined: not known since the instance started). */
  private alarmAt: number | null | undefined;

  /** The clock; fault and deadline tests replace it to make time deterministic. */
  clock: () => number = Date.now;
  /** Where projections go; fault tests replace it with a failing D1. */
  projectionDb: D1Database;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new OrderStore(ctx.storage.sql);
    this.projectionDb = env.DB;
    // One transaction: a migration applies whole or not at all (and a new object's schema is
    // one commit instead of one per statement).
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.store.migrate());
    });
  }

  // ---------------------------------------------------------------- public RPC

  /** Places the order; a repeated placement with the same request returns the same order. */
  async place(
    input: PlaceOrderInput,
    meta: { reference: string; requestHash: string; actor: Actor },
  ): Promise<Result<{ order: OrderView }>> {
    const existing = this.load();
    if (existing) {
      if (existing.header.requestHash !== meta.requestHash)
        return fail(
          "CONFLICT",
          "idempotencyKey was already used for a different order; use a new key",
          { reference: existing.header.reference },
        );
      return { ok: true, order: this.view(existing) };
    }
    // A broken PAYMENT_PROCESSES or CANCELLATION_WINDOW throws here: a server fault, not the caller's.
    const process = this.processFor(input.paymentMethod);
    const now = this.clock();
    const change = placeOrder(input, {
      reference: meta.reference,
      now,
      process,
      cancellationWindowMs: parseDuration(this.env.CANCELLATION_WINDOW || "30 minutes"),
      actor: actorLabel(meta.actor),
      requestHash: meta.requestHash,
    });
    const empty: OrderState = {
      header: change.header!,
      version: 0,
      lines: new Map(),
      items: new Map(),
      shipments: new Map(),
      timers: new Map(),
    };
    this.commit(empty, change, now);
    this.state = empty;
    await this.afterWrite();
    return { ok: true, order: this.view(empty) };
  }

  /** The order as it is now (strongly consistent). */
  async get(viewer: Viewer): Promise<Result<{ order: OrderView }>> {
    const state = await this.visible(viewer);
    if (!("header" in state)) return state;
    return { ok: true, order: this.view(state) };
  }

  /** Triggers an event on a target: only items whose state accepts it move. */
  async trigger(
    input: {
      event: string;
      target: Target;
      dryRun?: boolean;
      data?: { trackingNumber?: string | undefined; carrier?: string | undefined };
    } & MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView; moved: Moved[]; skipped: Skipped[] }>> {
    return this.mutate("trigger", input, actor, commands.triggerEvent(input, actorLabel(actor)), {
      dryRun: input.dryRun ?? false,
    });
  }

  /**
   * Cancels the whole order. A customer may do so only inside the window and while every item
   * is cancellable; the back office wherever the items' states accept `cancel`.
   */
  async cancel(options: MutationOptions, actor: Actor): Promise<Result<{ order: OrderView }>> {
    const byCustomer = actor.type === "user" && actor.role === "customer";
    return this.mutate(
      "cancel",
      options,
      actor,
      commands.cancelOrder(actorLabel(actor), byCustomer),
    );
  }

  /** Closes the customer's cancellation window now (back office), as the timer would. */
  async closeCancellationWindow(
    options: MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate(
      "close-window",
      options,
      actor,
      commands.closeCancellationWindow(actorLabel(actor)),
    );
  }

  /** Sets or clears (empty string) the buyer's own order reference. */
  async setCustomReference(
    input: { customOrderReference: string } & MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate(
      "custom-reference",
      input,
      actor,
      commands.setCustomReference(input.customOrderReference, actorLabel(actor)),
    );
  }

  /**
   * A signed ERP webhook's command. The idempotency record commits with the change it
   * describes, and a replay gets the first answer again, refusals included.
   */
  async erp(
    command: ErpCommand,
    meta: { idempotencyKey: string; bodyHash: string },
  ): Promise<ErpResponse> {
    const idempotency = {
      key: `erp|${meta.idempotencyKey}`,
      hash: meta.bodyHash,
      rememberFailures: true,
    };
    const actor: Actor = { type: "erp" };
    const result =
      command.type === "order.custom-reference.set"
        ? await this.mutate(
            "custom-reference",
            {},
            actor,
            commands.setCustomReference(command.customOrderReference, "erp"),
            {},
            idempotency,
          )
        : await this.mutate(
            "trigger",
            {},
            actor,
            commands.triggerEvent(command, "erp"),
            {},
            idempotency,
          );
    if (result.ok) {
      const { reference, version, itemStates } = result.order;
      return { status: 200, body: { ok: true, order: { reference, version, itemStates } } };
    }
    const status = erpStatus[result.code];
    return { status, body: { ok: false, error: { code: result.code, message: result.message } } };
  }

  /** A new shipment (expense 0) holding the given items or quantities. */
  async createShipment(
    input: ShipmentDetails & { items: ItemQuantity[] } & MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.shipmentCommand("shipment-create", input, actor, (state, process, now) =>
      createShipment(state, process, input, actorLabel(actor), now),
    );
  }

  /** Changes a shipment's address, method or requested date while none of its items shipped. */
  async updateShipment(
    input: { shipmentId: string } & Partial<ShipmentDetails> & MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.shipmentCommand("shipment-update", input, actor, (state, process, now) =>
      updateShipment(state, process, input, actorLabel(actor), now),
    );
  }

  /** Moves items or quantities into another shipment; an emptied shipment is deleted. */
  async moveItems(
    input: { toShipmentId: string; items: ItemQuantity[] } & MutationOptions,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.shipmentCommand("shipment-move", input, actor, (state, process, now) =>
      moveItems(state, process, input, actorLabel(actor), now),
    );
  }

  private async shipmentCommand(
    operation: string,
    input: MutationOptions & object,
    actor: Actor,
    edit: (state: OrderState, process: ProcessDefinition, now: number) => Change | Failure,
  ): Promise<Result<{ order: OrderView }>> {
    const { idempotencyKey, expectedVersion, ...request } = input;
    return this.mutate(
      operation,
      { idempotencyKey, expectedVersion },
      actor,
      (state, stepper, now) => {
        const change = edit(state, stepper.process, now);
        return "ok" in change ? change : { ok: true, change, extra: {} };
      },
      request,
    );
  }

  /** Manual events each item accepts now, grouped by shipment (shipments in order). */
  async events(): Promise<
    Result<{ items: { itemId: string; shipmentId: string; state: string; events: string[] }[] }>
  > {
    const state = await this.visible({ role: "backoffice" });
    if (!("header" in state)) return state;
    const process = this.processOf(state);
    return {
      ok: true,
      items: [...state.shipments.keys()].flatMap((shipmentId) =>
        [...state.items.values()]
          .filter((item) => item.shipmentId === shipmentId)
          .map((item) => ({
            itemId: item.id,
            shipmentId: item.shipmentId,
            state: item.state,
            events: acceptedEvents(process, { state: item.state, context: item.context }, true),
          })),
      ),
    };
  }

  /** The order's history, oldest first; optionally only the entries that touch one item. */
  async history(viewer: Viewer, itemId?: string): Promise<Result<{ history: HistoryView[] }>> {
    const state = await this.visible(viewer);
    if (!("header" in state)) return state;
    const history = this.store.history(itemId);
    if (itemId !== undefined && history.length === 0)
      return fail("BAD_REQUEST", `itemId: unknown item ${itemId}`, { path: ["itemId"] });
    return { ok: true, history };
  }

  /** The order as the invoice consumer needs it. */
  async invoiceSource(): Promise<Result<{ order: OrderView }>> {
    return this.get({ role: "system" });
  }

  /** Records the issued invoice (idempotent: a repeated report changes nothing). */
  async recordInvoice(input: {
    reference: string;
    issuedAt: string;
    mailedAt: string | null;
  }): Promise<Result<{ version: number }>> {
    const result = await this.mutate(
      "invoice",
      {},
      { type: "system" },
      commands.recordInvoice(input),
    );
    return result.ok ? { ok: true, version: result.order.version } : result;
  }

  /** Records that the invoice was mailed again, and by whom. */
  async invoiceResent(
    input: { reference: string; mailedAt: string },
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate(
      "invoice-resent",
      {},
      actor,
      commands.invoiceResent(input, actorLabel(actor)),
    );
  }

  /** Rows this instance wrote to its SQLite and, through projections, to D1 (for benchmarks). */
  async stats(): Promise<{ doRowsWritten: number; d1RowsWritten: number }> {
    return { doRowsWritten: this.store.rowsWritten, d1RowsWritten: this.d1RowsWritten };
  }

  /** Outbox rows not yet delivered (for operators and tests). */
  async outbox() {
    return this.store.pendingOutbox();
  }

  /** Fires due timers, retries the outbox and re-arms itself; never throws. */
  override async alarm(): Promise<void> {
    // The platform consumed the alarm that woke us: whatever comes next must be armed anew.
    this.alarmAt = null;
    let failed = false;
    try {
      const state = this.load();
      if (state) this.fireDue(state);
      await this.drain();
    } catch (error) {
      failed = true;
      this.state = null;
      console.error("alarm failed", error);
    }
    await this.scheduleAlarm(failed ? this.clock() + ALARM_RETRY_MS : undefined);
  }

  // ---------------------------------------------------------------- internals

  private load(): OrderState | null {
    if (!this.state) this.state = this.store.load();
    return this.state;
  }

  /** The order if the viewer may see it, with due timers fired first. */
  private async visible(viewer: Viewer): Promise<OrderState | Failure> {
    const state = this.load();
    if (!state) return notFound();
    if (viewer.role === "customer" && state.header.customerReference !== viewer.sub)
      return notFound();
    if (this.fireDue(state)) await this.afterWrite();
    if (viewer.role === "customer" && !this.customerVisible(state)) return notFound();
    return state;
  }

  /** Customers do not see orders whose items are all in states flagged exclude-from-customer. */
  private customerVisible(state: OrderState): boolean {
    const process = this.processOf(state);
    return [...state.items.values()].some(
      (i) => !flagsOf(process, i.state).includes("exclude-from-customer"),
    );
  }

  private processFor(paymentMethod: string): ProcessDefinition {
    const id = resolveProcessId(paymentMethod, parsePaymentProcesses(this.env.PAYMENT_PROCESSES));
    const process = getProcess(id, processConfigFromEnv(this.env));
    if (!process) throw new Error(`no process ${id} for payment method ${paymentMethod}`);
    return process;
  }

  private processOf(state: OrderState): ProcessDefinition {
    const process = getProcess(state.header.process, processConfigFromEnv(this.env));
    if (!process) throw new Error(`order is pinned to unknown process ${state.header.process}`);
    return process;
  }

  private stepper(process: ProcessDefinition): Stepper {
    let stepper = this.steppers.get(process.id);
    if (!stepper) {
      stepper = new Stepper(process);
      this.steppers.set(process.id, stepper);
    }
    return stepper;
  }

  private view(state: OrderState): OrderView {
    return orderView(state, this.processOf(state), this.clock());
  }

  /** Writes a change with its projection request in one transaction, then updates memory. */
  private commit(state: OrderState, change: Change, now: number, extra?: () => void) {
    this.ctx.storage.transactionSync(() => {
      const version = this.store.write(change, state.version);
      if (version !== state.version) this.store.requestProjection(version, this.projectionDue(now));
      extra?.();
    });
    applyChange(state, change);
  }

  /** When a projection requested now is due: at once, unless one went out just before. */
  private projectionDue(now: number): number {
    return Math.max(
      now,
      Math.min(this.lastProjectionAt + PROJECTION_SPACING_MS, now + PROJECTION_SPACING_MS),
    );
  }

  /** Fires every timer due at or before now, so deadlines hold even when the alarm is late. */
  private fireDue(state: OrderState): boolean {
    const now = this.clock();
    const stepper = this.stepper(this.processOf(state));
    let fired = false;
    for (let due = dueTimers(state, now); due.length > 0; due = dueTimers(state, now)) {
      this.commit(state, fireDueTimer(state, stepper, due), now);
      fired = true;
    }
    return fired;
  }

  /** Runs a command (see mutateNow), then re-arms the alarm and drains the outbox. */
  private async mutate<T extends object>(
    ...args: Parameters<typeof this.mutateNow<T>>
  ): Promise<Result<{ order: OrderView } & T>> {
    const result = this.mutateNow<T>(...args);
    await this.afterWrite();
    return result;
  }

  /**
   * The common path of every command: due timers, idempotency, expected version, the pure
   * computation, one transaction for the change, its outbox rows and the idempotency record.
   */
  private mutateNow<T extends object>(
    operation: string,
    options: MutationOptions,
    actor: Actor,
    compute: Command<T>,
    request: unknown = {},
    idempotency: Idempotency | undefined = options.idempotencyKey
      ? {
          key: `${actorLabel(actor)}|${options.idempotencyKey}`,
          hash: JSON.stringify({ operation, options, request }),
          rememberFailures: false,
        }
      : undefined,
  ): Result<{ order: OrderView } & T> {
    const state = this.load();
    if (!state) return notFound();
    if (
      actor.type === "user" &&
      actor.role === "customer" &&
      state.header.customerReference !== actor.sub
    )
      return notFound();
    try {
      this.fireDue(state);
      if (actor.type === "user" && actor.role === "customer" && !this.customerVisible(state))
        return notFound();
      if (idempotency) {
        const known = this.store.idempotent(idempotency.key);
        if (known) {
          if (known.requestHash !== idempotency.hash)
            return fail("CONFLICT", "idempotencyKey was already used for a different request", {
              idempotencyKey: idempotency.key.slice(idempotency.key.indexOf("|") + 1),
            });
          const first = JSON.parse(known.response) as { ok: true; extra: T } | Failure;
          return first.ok ? { ok: true, order: this.view(state), ...first.extra } : first;
        }
      }
      const now = this.clock();
      const result =
        options.expectedVersion !== undefined && options.expectedVersion !== state.version
          ? fail(
              "CONFLICT",
              `expectedVersion ${options.expectedVersion} is stale: the order is at version ${state.version}`,
              { currentVersion: state.version },
            )
          : compute(state, this.stepper(this.processOf(state)), now);
      if (!result.ok) {
        // Some callers (the ERP) are promised the first answer again, refusals included.
        if (idempotency?.rememberFailures)
          this.ctx.storage.transactionSync(() =>
            this.store.remember(idempotency.key, idempotency.hash, result, now),
          );
        return result;
      }
      this.commit(state, result.change, now, () => {
        if (idempotency)
          this.store.remember(
            idempotency.key,
            idempotency.hash,
            { ok: true, extra: result.extra },
            now,
          );
      });
      return { ok: true, order: this.view(state), ...result.extra };
    } catch (error) {
      // Memory may be ahead of storage after a failed transaction: reload on next use.
      this.state = null;
      throw error;
    }
  }

  private async afterWrite() {
    await this.scheduleAlarm();
    this.ctx.waitUntil(this.drain());
  }

  /** Arms the alarm for the next wake-up; storage is touched only when that moment changes. */
  private async scheduleAlarm(at?: number) {
    const next = at ?? this.store.nextWakeUp();
    if (next === this.alarmAt) return;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    this.alarmAt = next;
  }

  /** Delivers due outbox rows; a failure is retried later by the alarm. */
  private drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  /**
   * Rounds until nothing is due: rows that became due while a delivery was awaited (a newer
   * projection, say) go out in the same drain. A failure moves its row into the future.
   */
  private async drainOnce() {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const due = this.store.dueOutbox(this.clock());
      if (due.length === 0) break;
      for (const row of due) {
        try {
          await this.deliver(row);
          this.store.outboxDone(row);
        } catch (error) {
          console.warn(`outbox ${row.kind} failed (attempt ${row.attempts + 1})`, error);
          this.store.outboxFailed(row, error, this.clock());
        }
      }
    }
    await this.scheduleAlarm();
  }

  private async deliver(row: OutboxRow) {
    const state = this.load();
    if (!state) return;
    switch (row.kind) {
      case "projection":
        this.d1RowsWritten += await projectOrder(this.projectionDb, this.summaryRow(state));
        this.lastProjectionAt = this.clock();
        return;
      case "invoice":
        await this.env.INVOICE_QUEUE.send({ orderReference: state.header.reference });
        return;
      case "mail":
        await this.sendConfirmation(state);
        return;
      default:
        throw new Error(`no transport for outbox kind ${row.kind}`);
    }
  }

  private async sendConfirmation(state: OrderState) {
    await mailTransportFromEnv(this.env).send(confirmationMail(this.view(state)));
  }

  private summaryRow(state: OrderState): OrderRow {
    const process = this.processOf(state);
    const states = itemStates(state.items.values());
    return {
      reference: state.header.reference,
      customerReference: state.header.customerReference,
      customOrderReference: state.header.customOrderReference,
      state: dominantState(states),
      itemStates: states,
      grandTotal: state.header.totals.grandTotal,
      currency: state.header.currency,
      placedAt: new Date(state.header.placedAt).toISOString(),
      updatedAt: new Date(this.clock()).toISOString(),
      cancellableUntil: new Date(state.header.cancellableUntil).toISOString(),
      itemsCancellable:
        state.header.windowClosedAt === null &&
        [...state.items.values()].every((i) => flagsOf(process, i.state).includes("cancellable")),
      customerVisible: this.customerVisible(state),
      version: state.version,
      ...searchFields(state),
    };
  }
}

const notFound = () => fail("NOT_FOUND", "order not found");

const erpStatus: Record<Failure["code"], ErpResponse["status"]> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 422,
  PRECONDITION_FAILED: 412,
  FORBIDDEN: 400,
  INTERNAL_SERVER_ERROR: 400,
};

const flagsOf = (process: ProcessDefinition, state: string): readonly string[] =>
  stateInfo(process, state)?.flags ?? [];
