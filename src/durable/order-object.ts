import { DurableObject } from "cloudflare:workers";
import { ADJUSTABLE_CLOCK_NAME, clockMode } from "../domain/clock";
import type { DeliveryView } from "../domain/deliveries";
import { parseDuration } from "../domain/duration";
import type { ErpAcceptedOrder, ErpCommand } from "../domain/erp";
import { sha256Hex } from "../domain/hash";
import type { HistoryView } from "../domain/history";
import {
  compactOutcome as compactOutcomeSchema,
  IDEMPOTENCY_TTL_MS,
  type SequenceOutcome,
} from "../domain/idempotency";
import type { OrderImportRow } from "../domain/import";
import type {
  CreateShipmentInput,
  ForOrder,
  MoveItemsInput,
  OrderMutationInput,
  PlaceOrderInput,
  SetCustomReferenceInput,
  TriggerInput,
  UpdateShipmentInput,
} from "../domain/inputs";
import type { IssuedCreditNoteReport, IssuedInvoiceReport } from "../domain/invoices";
import type { OrderDiff } from "../domain/order-diff";
import type { OrderView } from "../domain/order-view";
import type { OutboxView } from "../domain/outbox";
import { type Actor, actorLabel, isCustomer } from "../domain/principal";
import type { OrderMigration } from "../domain/process-migration";
import { isManualEvent, knownState } from "../domain/processes";
import { type Failure, fail, type Result } from "../domain/result";
import type { ItemEvents, TriggerResult } from "../domain/trigger";
import type { Billed } from "../engine/billing";
import * as commands from "../engine/commands";
import { diffViews } from "../engine/diff";
import { importRowCommand } from "../engine/import";
import { migrateCommand } from "../engine/migrate";
import type { Change, OrderState } from "../engine/model";
import { creditOfEntry } from "../engine/money-moves";
import { compactOutcome, expandOutcome, type Moved, type Skipped } from "../engine/outcome";
import { createShipment, moveItems, updateShipment } from "../engine/shipments";
import { acceptedEvents } from "../engine/step";
import { defaultOrderSettings, type OrderSettings } from "../engine/stepper";
import { nextTimerDue } from "../engine/timers";
import {
  getProcess,
  type ProcessDefinition,
  parsePaymentProcesses,
  processConfigFromEnv,
  resolveProcessId,
} from "../machines/registry";
import { AlarmScheduler } from "./alarm";
import { ClockReading } from "./clock";
import { toDeliveryView } from "./erp-deliveries";
import { viewAt } from "./order-at";
import { OrderStore, type OutboxEntry } from "./order-store";
import { Outbox } from "./outbox";
import { CommandPipeline, type CommandRequest, type ExtraCodec, noExtra } from "./pipeline";

/**
 * The one seam tests and benchmarks use to reach into a running order object (through
 * `runInDurableObject`): its clock, and the D1 it writes (projections, captured mails), which
 * fault tests replace with one that fails. Production never changes them. Under CLOCK=adjustable
 * the deployment's adjustable clock is the time instead of `clock`.
 */
export interface OrderObjectSeam {
  clock: () => number;
  db: D1Database;
  /** Where ERP events go: `ERP_EXPORT_URL` (tests set "" to see deliveries wait). */
  erpExportUrl: string;
}

const outcomeCodec = (event: string): ExtraCodec<{ moved: Moved[]; skipped: Skipped[] }> => ({
  compact: ({ moved, skipped }) => compactOutcome(event, moved, skipped),
  expand: (stored) => expandOutcome(compactOutcomeSchema.parse(stored)),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One order: RPC methods and the alarm, each a short call into its parts. The command pipeline
 * (pipeline.ts) decides and writes synchronously, the outbox (outbox.ts) delivers effects, the
 * alarm scheduler (alarm.ts) decides when to wake, the store (order-store.ts) owns SQLite.
 */
export class OrderObject extends DurableObject<Env> {
  readonly seam: OrderObjectSeam;
  /** The adjustable clock's reading under CLOCK=adjustable; null (no cost at all) otherwise. */
  private readonly adjustable: ClockReading | null;
  private readonly store: OrderStore;
  private readonly pipeline: CommandPipeline;
  private readonly outbox: Outbox;
  private readonly alarms: AlarmScheduler;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.seam = { clock: Date.now, db: env.DB, erpExportUrl: env.ERP_EXPORT_URL ?? "" };
    this.adjustable =
      clockMode(env) === "adjustable"
        ? new ClockReading(() => env.ADJUSTABLE_CLOCK.getByName(ADJUSTABLE_CLOCK_NAME))
        : null;
    this.store = new OrderStore(ctx.storage);
    this.pipeline = new CommandPipeline(
      this.store,
      (id) => this.processById(id),
      (now) => this.outbox.projectionDueAt(now),
      () => orderSettings(env),
    );
    this.outbox = new Outbox(this.store, env, {
      order: () => this.pipeline.order(),
      process: (state) => this.pipeline.process(state),
      view: (state, now) => this.pipeline.view(state, now),
      now: () => this.now(),
      db: () => this.seam.db,
      deliveryUrl: () => this.seam.erpExportUrl,
      settled: () => this.alarms.arm(),
      beside: (work) => ctx.waitUntil(work),
    });
    this.alarms = new AlarmScheduler(ctx.storage, (notBefore, known) => {
      let next = known !== undefined ? known : this.store.nextWakeUp(IDEMPOTENCY_TTL_MS);
      // Only what is due now is the drain's; a later moment (a spaced projection) stays exact.
      if (next !== null && notBefore !== undefined && next <= this.now())
        next = Math.max(next, notBefore);
      return next === null || !this.adjustable ? next : this.adjustable.toReal(next);
    });
    ctx.blockConcurrencyWhile(async () => this.store.open());
  }

  // ---------------------------------------------------------------- public RPC

  /** Places the order; a repeated placement with the same request returns the same order. */
  async place(
    input: PlaceOrderInput,
    meta: { reference: string; requestHash: string; actor: Actor },
  ): Promise<Result<{ order: OrderView }>> {
    const result = this.pipeline.place(
      input,
      {
        ...meta,
        // A broken PAYMENT_PROCESSES or CANCELLATION_WINDOW throws here: a server fault.
        process: this.processForPayment(input.paymentMethod),
        cancellationWindowMs: parseDuration(this.env.CANCELLATION_WINDOW || "30 minutes"),
      },
      await this.time(),
    );
    await this.afterWrite();
    return result;
  }

  /** The order as it is now (strongly consistent). */
  async get(viewer: Actor): Promise<Result<{ order: OrderView }>> {
    const now = await this.time();
    const read = await this.read(viewer, now);
    return "state" in read ? { ok: true, order: this.pipeline.view(read.state, now) } : read;
  }

  /** Triggers an event on a target: only items whose state accepts it move. */
  async trigger(input: ForOrder<TriggerInput>, actor: Actor): Promise<Result<TriggerResult>> {
    const { idempotencyKey, expectedVersion, ...request } = input;
    const result = await this.run({
      operation: "trigger",
      actor,
      options: { idempotencyKey, expectedVersion },
      request,
      compute: commands.triggerEvent(request, actorLabel(actor)),
      codec: outcomeCodec(input.event),
    });
    if (!result.ok) return result;
    // The engine names states as strings; an order runs a registered process, so they are its.
    return {
      ok: true,
      order: result.order,
      moved: result.moved.map((m) => ({ ...m, from: knownState(m.from), to: knownState(m.to) })),
      skipped: result.skipped.map((s) => ({ ...s, state: knownState(s.state) })),
    };
  }

  /**
   * Cancels the whole order. A customer may do so only inside the window and while every item
   * is cancellable; the back office wherever the items' states accept `cancel`.
   */
  async cancel(
    options: ForOrder<OrderMutationInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate({
      operation: "cancel",
      actor,
      options,
      compute: commands.cancelOrder(actorLabel(actor), isCustomer(actor)),
    });
  }

  /** Closes the customer's cancellation window now (back office), as the timer would. */
  async closeCancellationWindow(
    options: ForOrder<OrderMutationInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate({
      operation: "close-window",
      actor,
      options,
      compute: commands.closeCancellationWindow(actorLabel(actor)),
    });
  }

  /** Sets or clears (empty string) the buyer's own order reference. */
  async setCustomReference(
    input: ForOrder<SetCustomReferenceInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    const { idempotencyKey, expectedVersion, customOrderReference } = input;
    return this.mutate({
      operation: "custom-reference",
      actor,
      options: { idempotencyKey, expectedVersion },
      request: { customOrderReference },
      compute: commands.setCustomReference(customOrderReference, actorLabel(actor)),
    });
  }

  /**
   * A signed ERP webhook's command. The idempotency record commits with the change it
   * describes, and a replay gets the first answer again, refusals included.
   */
  async erp(
    command: ErpCommand,
    meta: {
      idempotencyKey: string;
      bodyHash: string;
      /** The custom reference D1 found the order by: checked again here, under the lock. */
      foundBy?: { customOrderReference: string };
    },
  ): Promise<Result<{ order: ErpAcceptedOrder }>> {
    const actor: Actor = { type: "erp" };
    const request: Omit<CommandRequest<object>, "compute" | "codec"> = {
      operation: command.type,
      actor,
      options: {},
      idempotency: {
        key: `erp|${meta.idempotencyKey}`,
        hash: meta.bodyHash,
        rememberFailures: true,
      },
    };
    const result =
      command.type === "order.custom-reference.set"
        ? await this.mutate({
            ...request,
            compute: foundBy(
              meta.foundBy,
              commands.setCustomReference(command.customOrderReference, "erp"),
            ),
          })
        : await this.mutate({
            ...request,
            compute: foundBy(meta.foundBy, commands.triggerEvent(command, "erp")),
          });
    if (!result.ok) return result;
    // What the ERP is told: not the whole view, which can be megabytes.
    const { reference, version, itemStates } = result.order;
    return { ok: true, order: { reference, version, itemStates } };
  }

  /**
   * Applies this order's rows of a bulk status import in one transaction, in row order; a row
   * that does not fit fails alone. Idempotent by import id: a repeated import gets the first
   * outcomes. An unknown order answers NOT_FOUND and stores nothing. A dry run answers what the
   * rows would do to the order as it stands, and writes nothing.
   */
  async importEvents(
    input: { importId: string; rows: OrderImportRow[]; dryRun?: boolean },
    actor: Actor,
  ): Promise<Result<{ version: number; outcomes: SequenceOutcome[] }>> {
    if (!this.pipeline.order()) return notFound();
    const label = actorLabel(actor);
    const now = await this.time();
    if (input.dryRun) {
      const commands = input.rows.map((row) => importRowCommand(row, label));
      const preview = this.pipeline.previewSequence({ actor, commands }, now);
      // Only timers that came due can have been written (as any read fires them).
      await this.afterWrite();
      return preview;
    }
    const hash = await sha256Hex(JSON.stringify(input.rows));
    const result = this.pipeline.runSequence(
      {
        actor,
        commands: input.rows.map((row) => importRowCommand(row, label)),
        idempotency: { key: `import|${input.importId}`, hash, rememberFailures: false },
      },
      now,
    );
    await this.afterWrite();
    return result;
  }

  /** A new shipment (expense 0) holding the given items or quantities. */
  async createShipment(
    input: ForOrder<CreateShipmentInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.edit("shipment-create", input, actor, (state, process, now, request) =>
      createShipment(state, process, request, actorLabel(actor), now),
    );
  }

  /** Changes a shipment's address, method or requested date while none of its items shipped. */
  async updateShipment(
    input: ForOrder<UpdateShipmentInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.edit("shipment-update", input, actor, (state, process, now, request) =>
      updateShipment(state, process, request, actorLabel(actor), now),
    );
  }

  /** Moves items or quantities into another shipment; an emptied shipment is deleted. */
  async moveItems(
    input: ForOrder<MoveItemsInput>,
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.edit("shipment-move", input, actor, (state, process, now, request) =>
      moveItems(state, process, request, actorLabel(actor), now),
    );
  }

  /** Manual events each item accepts now, grouped by shipment (shipments in order). */
  async events(): Promise<Result<{ items: ItemEvents[] }>> {
    const read = await this.read({ type: "system" }, await this.time());
    if (!("state" in read)) return read;
    const { state } = read;
    const process = this.pipeline.process(state);
    const items = [...state.items.values()];
    return {
      ok: true,
      items: [...state.shipments.keys()].flatMap((shipmentId) =>
        items
          .filter((item) => item.shipmentId === shipmentId)
          .map((item) => ({
            itemId: item.id,
            shipmentId: item.shipmentId,
            // The engine's names as the contract types them (a registered process's).
            state: knownState(item.state),
            events: acceptedEvents(
              process,
              { state: item.state, context: item.context },
              true,
            ).filter(isManualEvent),
          })),
      ),
    };
  }

  /** The order's history, oldest first; optionally only the entries that touch one item. */
  async history(viewer: Actor, itemId?: string): Promise<Result<{ history: HistoryView[] }>> {
    const read = await this.read(viewer, await this.time());
    if (!("state" in read)) return read;
    const history = this.store.history(itemId);
    if (itemId !== undefined && history.length === 0)
      return fail("BAD_REQUEST", `itemId: unknown item ${itemId}`, { path: ["itemId"] });
    return { ok: true, history };
  }

  /** The order as it was at `version` (orders.at), after firing what is due now. */
  async at(viewer: Actor, version: number): Promise<Result<{ order: OrderView }>> {
    const read = await this.read(viewer, await this.time());
    if (!("state" in read)) return read;
    const past = viewAt(this.pipeline, this.store, version);
    return past.ok ? { ok: true, order: past.order } : past;
  }

  /** What changed between two versions (orders.diff). */
  async diff(viewer: Actor, from: number, to: number): Promise<Result<{ diff: OrderDiff }>> {
    const read = await this.read(viewer, await this.time());
    if (!("state" in read)) return read;
    const before = viewAt(this.pipeline, this.store, from);
    if (!before.ok) return renamed(before, "from");
    const after = viewAt(this.pipeline, this.store, to);
    if (!after.ok) return renamed(after, "to");
    const time = (ms: number) => new Date(ms).toISOString();
    return {
      ok: true,
      diff: diffViews(before.order, after.order, { from: time(before.at), to: time(after.at) }),
    };
  }

  /** The order as the invoice consumer needs it. */
  async invoiceSource(): Promise<Result<{ order: OrderView }>> {
    return this.get({ type: "system" });
  }

  /** What a credit note credits: the money entry `key`'s content, the order and its invoice. */
  async creditNoteSource(
    key: number,
  ): Promise<Result<{ order: OrderView; credit: Billed; movedAt: string }>> {
    const got = await this.get({ type: "system" });
    if (!got.ok) return got;
    const entry = this.store.historyEntry(key);
    const credit = creditOfEntry(entry?.data);
    if (!entry || !credit) return fail("NOT_FOUND", `history entry ${key} credits no money`);
    if (!got.order.invoice)
      return fail("PRECONDITION_FAILED", "the order has no invoice to credit");
    return { ok: true, order: got.order, credit, movedAt: entry.at };
  }

  /**
   * Records the issued invoice (idempotent: a repeated report changes nothing), and asks for
   * the credit notes of money that left the order after the version it bills.
   */
  async recordInvoice(input: IssuedInvoiceReport): Promise<Result<{ version: number }>> {
    const result = await this.mutate({
      operation: "invoice",
      actor: { type: "system" },
      options: {},
      // Inside the command, so no money move can slip between finding them and recording.
      compute: (state, stepper, now) =>
        commands.recordInvoice(input, this.store.creditEntriesAfter(input.version))(
          state,
          stepper,
          now,
        ),
    });
    return result.ok ? { ok: true, version: result.order.version } : result;
  }

  /** Records that an invoice request found nothing billable (no invoice, no number). */
  async invoiceNotIssued(input: {
    version: number;
    reason: string;
  }): Promise<Result<{ version: number }>> {
    const result = await this.mutate({
      operation: "invoice-not-issued",
      actor: { type: "system" },
      options: {},
      compute: commands.invoiceNotIssued(input),
    });
    return result.ok ? { ok: true, version: result.order.version } : result;
  }

  /** Records an issued credit note (idempotent: a repeated report changes nothing). */
  async recordCreditNote(input: IssuedCreditNoteReport): Promise<Result<{ version: number }>> {
    const result = await this.mutate({
      operation: "credit-note",
      actor: { type: "system" },
      options: {},
      compute: commands.recordCreditNote(input),
    });
    return result.ok ? { ok: true, version: result.order.version } : result;
  }

  /** Records that the invoice was mailed again, and by whom. */
  async invoiceResent(
    input: { reference: string; mailedAt: string },
    actor: Actor,
  ): Promise<Result<{ order: OrderView }>> {
    return this.mutate({
      operation: "invoice-resent",
      actor,
      options: {},
      compute: commands.invoiceResent(input, actorLabel(actor)),
    });
  }

  /** The order's outbox: effects waiting, retrying or dead (back office). */
  async effects(): Promise<Result<{ effects: OutboxView[] }>> {
    if (!this.pipeline.order()) return notFound();
    return { ok: true, effects: this.outbox.entries().map(toOutboxView) };
  }

  /** Gives a dead effect a new round of attempts (back office). */
  async retryEffect(id: number): Promise<Result<{ effect: OutboxView }>> {
    const state = this.pipeline.order();
    if (!state) return notFound();
    if (!this.outbox.retry(id, await this.time(), state.version))
      return fail("PRECONDITION_FAILED", `effect ${id} of this order is not dead`, { id });
    await this.afterWrite();
    const effect = this.outbox.entries().find((e) => e.id === id);
    return effect ? { ok: true, effect: toOutboxView(effect) } : notFound();
  }

  /** One ERP delivery of this order by its sequence (back office). */
  async exportDelivery(sequence: number): Promise<Result<{ delivery: DeliveryView }>> {
    const state = this.pipeline.order();
    if (!state) return notFound();
    const row = this.store.deliveryBySequence(sequence);
    if (!row) return fail("NOT_FOUND", `delivery ${sequence} of this order does not exist`);
    return { ok: true, delivery: toDeliveryView(state.header.reference, row) };
  }

  /** Gives a failed ERP delivery a new round of attempts; it goes before later events. */
  async retryDelivery(sequence: number): Promise<Result<{ delivery: DeliveryView }>> {
    const state = this.pipeline.order();
    if (!state) return notFound();
    const row = this.store.deliveryBySequence(sequence);
    if (!row) return fail("NOT_FOUND", `delivery ${sequence} of this order does not exist`);
    if (!this.outbox.retry(row.id, await this.time(), state.version))
      return fail("PRECONDITION_FAILED", `delivery ${sequence} is ${row.status}, not failed`, {
        status: row.status,
      });
    await this.afterWrite();
    return this.exportDelivery(sequence);
  }

  /**
   * Moves the order onto another version of its process (`processes.migrate`), in one
   * transaction, or says why it does not move; with `dryRun`, only says.
   */
  async migrateProcess(
    input: {
      migrationId: string;
      from: string;
      to: string;
      stateMap: Record<string, string>;
      dryRun: boolean;
    },
    actor: Actor,
  ): Promise<Result<{ migration: OrderMigration }>> {
    const request = {
      migrationId: input.migrationId,
      from: this.processById(input.from),
      to: this.processById(input.to),
      stateMap: input.stateMap,
      actor: actorLabel(actor),
    };
    const result = await this.run({
      operation: "migrate-process",
      actor,
      options: {},
      compute: migrateCommand(request, input.dryRun),
      // No idempotency key: a repeated call is answered by the order as it is then.
      codec: {
        compact: () => undefined,
        expand: () => {
          throw new Error("a migration has no idempotency key, so nothing is replayed");
        },
      },
    });
    return result.ok ? { ok: true, migration: result.migration } : result;
  }

  /** The scheduled sweep's nudge: sends the next ERP delivery if it waits for no reason now. */
  async wakeDeliveries(): Promise<{ woken: boolean }> {
    const state = this.pipeline.order();
    if (!state) return { woken: false };
    // A fresh reading: under CLOCK=adjustable this object may not have seen the clock move.
    const woken = this.outbox.wakeDeliveries(await this.time(), state.version);
    await this.afterWrite();
    return { woken };
  }

  /** Fires due timers, drains the outbox, forgets expired idempotency records, re-arms. */
  override async alarm(): Promise<void> {
    this.alarms.fired();
    try {
      const now = await this.time();
      const state = this.pipeline.order();
      if (state) this.pipeline.fireDue(state, now);
      this.pipeline.prune(now);
      await this.outbox.drain();
      this.alarms.succeeded();
      await this.alarms.arm();
      await this.reportNextTimer();
    } catch (error) {
      this.pipeline.forget();
      // If even the retry cannot be armed, the error escapes and the platform retries alarm().
      const { retryAt, failures } = await this.alarms.failed(this.realNow());
      console.error(
        JSON.stringify({
          message: "alarm failed",
          failures,
          retryAt: new Date(retryAt).toISOString(),
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  /**
   * The adjustable clock's `advance`: fires the timers due at `now`, writes the order's
   * projection, and says when its next timer is due (null when the object holds no order).
   */
  async fireTimers(now: number): Promise<{ version: number; nextDueAt: number | null } | null> {
    const state = this.pipeline.order();
    if (!state) return null;
    this.adjustable?.observe(now);
    try {
      this.pipeline.fireDue(state, now);
    } catch (error) {
      this.pipeline.forget();
      throw error;
    }
    // Due now, whatever the spacing of projections: advance returns only once D1 shows it.
    this.store.transaction(() => this.store.requestProjection(state.version, now, now));
    await this.alarms.arm();
    // Both drains, so what the timers sent (ERP deliveries too) is in D1 before time moves on.
    await this.outbox.drainAll();
    const nextDueAt = nextTimerDue(state);
    this.adjustable?.recorded(state.version, nextDueAt);
    return { version: state.version, nextDueAt };
  }

  // ---------------------------------------------------------------- internals

  /**
   * The service's time for one command, read once before the synchronous pipeline: the seam's
   * clock (the machine's time in production), or the adjustable clock (one RPC) under
   * CLOCK=adjustable.
   */
  private time(): number | Promise<number> {
    return this.adjustable ? this.adjustable.read() : this.seam.clock();
  }

  /** The service's time between readings (the outbox's attempts and retries). */
  private now(): number {
    return this.adjustable ? this.adjustable.now() : this.seam.clock();
  }

  /** The time storage alarms are set in (the alarm's backoff after a failure). */
  private realNow(): number {
    return this.adjustable ? Date.now() : this.seam.clock();
  }

  private async read(viewer: Actor, now: number) {
    const read = this.pipeline.read(viewer, now);
    if ("state" in read && read.fired) await this.afterWrite();
    return read;
  }

  /** Runs a command through the pipeline, then re-arms the alarm and drains the outbox. */
  private async run<T extends object>(
    request: CommandRequest<T>,
  ): Promise<Result<{ order: OrderView } & T>> {
    const result = this.pipeline.run(request, await this.time());
    await this.afterWrite();
    return result;
  }

  /** A command that answers with the order alone. */
  private mutate(request: Omit<CommandRequest<object>, "codec">) {
    return this.run({ ...request, codec: noExtra });
  }

  /** A shipment edit: the engine's edit function as a command. */
  private edit<I extends { idempotencyKey?: string; expectedVersion?: number }>(
    operation: string,
    input: I,
    actor: Actor,
    apply: (
      state: OrderState,
      process: ProcessDefinition,
      now: number,
      request: Omit<I, "idempotencyKey" | "expectedVersion">,
    ) => Change | Failure,
  ): Promise<Result<{ order: OrderView }>> {
    const { idempotencyKey, expectedVersion, ...request } = input;
    return this.mutate({
      operation,
      actor,
      options: { idempotencyKey, expectedVersion },
      request,
      compute: (state, stepper, now) => {
        const change = apply(state, stepper.process, now, request);
        return "ok" in change ? change : { ok: true, change, extra: {} };
      },
    });
  }

  private async afterWrite() {
    // An object without an order has nothing to wake for, and must not write even that.
    if (!this.pipeline.order()) return;
    // One read tells both what is due now and when to wake next. The drain delivers what is
    // due now; the alarm waits in case it cannot (the object restarts meanwhile), and the drain
    // re-arms it for what comes next when it is done. On a whole second, so a burst of commands
    // arms the same moment (storage is touched once).
    const schedule = this.store.schedule(IDEMPOTENCY_TTL_MS);
    await this.alarms.arm(Math.ceil((this.now() + DRAIN_GRACE_MS) / 1000) * 1000, schedule.next);
    await this.reportNextTimer();
    const now = this.now();
    if (schedule.rows.some((row) => row.nextAt <= now)) this.ctx.waitUntil(this.outbox.drain());
  }

  /** Under CLOCK=adjustable, tells the clock when this order's earliest timer is due. */
  private async reportNextTimer() {
    const state = this.pipeline.order();
    if (!this.adjustable || !state) return;
    await this.adjustable.report(state.header.reference, state.version, nextTimerDue(state));
  }

  private processById(id: string): ProcessDefinition {
    const process = getProcess(id, processConfigFromEnv(this.env));
    if (!process) throw new Error(`no process ${id} is registered`);
    return process;
  }

  private processForPayment(paymentMethod: string): ProcessDefinition {
    return this.processById(
      resolveProcessId(paymentMethod, parsePaymentProcesses(this.env.PAYMENT_PROCESSES)),
    );
  }
}

const notFound = () => fail("NOT_FOUND", "order not found");

/** A refusal about `version`, told about the input field it came from. */
const renamed = (failure: Failure, field: string): Failure =>
  fail(failure.code, failure.message.replace(/^version:/, `${field}:`), {
    ...failure.details,
    ...(failure.details?.path ? { path: [field] } : {}),
  });

/** How long the alarm leaves a command's own drain to deliver what the command made due. */
const DRAIN_GRACE_MS = 5_000;

/**
 * An ERP command for an order found by its custom reference in D1, which lags behind the
 * object: the object checks, under its own lock, that the order still has that reference.
 */
function foundBy<T extends object>(
  by: { customOrderReference: string } | undefined,
  command: commands.Command<T>,
): commands.Command<T> {
  return (state, stepper, now) =>
    by && state.header.customOrderReference !== by.customOrderReference
      ? fail("NOT_FOUND", "order: no order with this customOrderReference")
      : command(state, stepper, now);
}

/** The engine's settings from the configuration (a broken value is a server fault). */
function orderSettings(env: Env): OrderSettings {
  const timeout = env.INVOICE_REQUEST_TIMEOUT;
  return timeout ? { invoiceRequestTimeoutMs: parseDuration(timeout) } : defaultOrderSettings;
}

const toOutboxView = (e: OutboxEntry): OutboxView => ({
  id: e.id,
  kind: e.kind,
  status: e.status,
  attempts: e.attempts,
  createdAt: new Date(e.createdAt).toISOString(),
  lastAttemptAt: iso(e.lastAttemptAt),
  nextAttemptAt: e.status === "dead" ? null : iso(e.nextAt),
  lastError: e.lastError,
});
