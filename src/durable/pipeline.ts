import {
  IDEMPOTENCY_TTL_MS,
  type RememberedAnswer,
  type SequenceOutcome,
  type StoredOutcomes,
  storedOutcomes,
} from "../domain/idempotency";
import type { PlaceOrderInput } from "../domain/inputs";
import type { OrderView } from "../domain/order-view";
import { type Actor, actorLabel, isCustomer } from "../domain/principal";
import { type Failure, fail, type Result } from "../domain/result";
import type { Command } from "../engine/commands";
import type { Change, OrderState } from "../engine/model";
import { applyChange } from "../engine/model";
import { placeOrder } from "../engine/place";
import { defaultOrderSettings, type OrderSettings, Stepper } from "../engine/stepper";
import { customerVisible } from "../engine/summary";
import { dueTimers, fireDueTimer } from "../engine/timers";
import { stateAt } from "../engine/versions";
import { orderView } from "../engine/view";
import type { ProcessDefinition } from "../machines/registry";
import type { IdempotencyRecord, OrderStore } from "./order-store";

export interface MutationOptions {
  idempotencyKey?: string | undefined;
  expectedVersion?: number | undefined;
}

/** How a command is made idempotent: its key, the request's hash, and what to remember. */
export interface Idempotency {
  key: string;
  hash: string;
  /** Some callers (the ERP) are promised the first answer again, refusals included. */
  rememberFailures: boolean;
}

/**
 * Turns a command's extra result into a small stored value and back (for replays): `expand`
 * parses what `compact` stored.
 */
export interface ExtraCodec<T> {
  compact(extra: T): unknown;
  expand(stored: unknown): T;
}

/** The codec of a command that returns nothing besides the order. */
export const noExtra: ExtraCodec<object> = { compact: () => undefined, expand: () => ({}) };

export interface CommandRequest<T extends object> {
  /** Names the command in the request hash, so one key cannot be reused for another command. */
  operation: string;
  actor: Actor;
  options: MutationOptions;
  compute: Command<T>;
  /** What the request asked besides the options: its hash tells a replay from a reuse. */
  request?: unknown;
  /** Overrides the caller's own key (the ERP's webhook id). */
  idempotency?: Idempotency;
  codec: ExtraCodec<T>;
}

/** Several commands run as one: in order, each on the order as the ones before left it. */
export interface SequenceRequest {
  actor: Actor;
  commands: Command[];
  /** Required: a sequence is a batch a caller sends again when it does not hear back. */
  idempotency: Idempotency;
}

/** What the order object needs to know to place an order, besides the input. */
export interface Placement {
  reference: string;
  requestHash: string;
  actor: Actor;
  process: ProcessDefinition;
  cancellationWindowMs: number;
}

const notFound = () => fail("NOT_FOUND", "order not found");

/** A known key with another request: the caller reused it by mistake. */
const keyReused = (key: string) =>
  fail("CONFLICT", "idempotencyKey was already used for a different request", {
    idempotencyKey: key.slice(key.indexOf("|") + 1),
  });

/**
 * The synchronous path of every order command: load, ownership, due timers, idempotency,
 * expected version, the pure computation, and one transaction for the change with its outbox
 * rows, projection request and idempotency record. It never awaits, so a command runs alone
 * inside the Durable Object, and it is testable without the object around it.
 */
export class CommandPipeline {
  private state: OrderState | null = null;
  private readonly steppers = new Map<string, Stepper>();

  constructor(
    private readonly store: OrderStore,
    private readonly processOf: (id: string) => ProcessDefinition,
    /** When a projection requested now is due (the outbox spaces them out). */
    private readonly projectionDueAt: (now: number) => number,
    /** Read when a stepper is made (a broken value then fails the command, not the object). */
    private readonly settings: () => OrderSettings = () => defaultOrderSettings,
  ) {}

  /** The order (cached after the first read), or null when this object holds none. */
  order(): OrderState | null {
    this.state ??= this.store.load();
    return this.state;
  }

  /** Drops the cached order: memory may be ahead of storage after a failed transaction. */
  forget(): void {
    this.state = null;
    this.store.forget();
  }

  process(state: OrderState): ProcessDefinition {
    return this.processOf(state.header.process);
  }

  view(state: OrderState, now: number): OrderView {
    return orderView(state, this.process(state), now);
  }

  /**
   * The order as it was at `version`, with the process it ran on then, and when that version
   * was made (orders.at). Read only: nothing fires, nothing is written.
   */
  viewAt(version: number): Result<{ order: OrderView; at: number }> {
    const state = this.order();
    if (!state) return notFound();
    if (version > state.version)
      return fail("BAD_REQUEST", `version: the order is at version ${state.version}`, {
        path: ["version"],
        currentVersion: state.version,
      });
    const past = stateAt(this.store.versionsUpTo(version), version);
    const entry = this.store.historyEntry(version);
    if (!past || !entry)
      return fail(
        "PRECONDITION_FAILED",
        `version: ${version} is older than this order's version log (kept since it was upgraded)`,
      );
    const at = Date.parse(entry.at);
    return { ok: true, order: orderView(past, this.processOf(past.header.process), at), at };
  }

  /** Places the order; a repeated placement with the same request returns the same order. */
  place(input: PlaceOrderInput, placement: Placement, now: number): Result<{ order: OrderView }> {
    const existing = this.order();
    if (existing) {
      if (existing.header.requestHash !== placement.requestHash)
        return fail(
          "CONFLICT",
          "idempotencyKey was already used for a different order; use a new key",
          { reference: existing.header.reference },
        );
      return { ok: true, order: this.view(existing, now) };
    }
    const change = placeOrder(input, {
      reference: placement.reference,
      now,
      process: placement.process,
      cancellationWindowMs: placement.cancellationWindowMs,
      actor: actorLabel(placement.actor),
      requestHash: placement.requestHash,
    });
    if (!change.header) throw new Error("a placement must write the order header");
    const empty: OrderState = {
      header: change.header,
      version: 0,
      lines: new Map(),
      items: new Map(),
      shipments: new Map(),
      timers: new Map(),
    };
    this.commit(empty, change, now, { createSchema: true });
    this.state = empty;
    return { ok: true, order: this.view(empty, now) };
  }

  /**
   * The order as `actor` may see it, with due timers fired first. `fired` says whether that
   * wrote anything (the caller re-arms and drains then).
   */
  read(actor: Actor, now: number): { state: OrderState; fired: boolean } | Failure {
    const state = this.order();
    if (!state || !this.owns(actor, state)) return notFound();
    const fired = this.guarded(() => this.fireDue(state, now));
    if (isCustomer(actor) && !customerVisible(state, this.process(state))) return notFound();
    return { state, fired };
  }

  /** Fires every timer due at or before now, so deadlines hold even when the alarm is late. */
  fireDue(state: OrderState, now: number): boolean {
    const stepper = this.stepper(state);
    let fired = false;
    for (let due = dueTimers(state, now); due.length > 0; due = dueTimers(state, now)) {
      this.commit(state, fireDueTimer(state, stepper, due), now);
      fired = true;
    }
    return fired;
  }

  /** Runs one command; see the class comment. */
  run<T extends object>(req: CommandRequest<T>, now: number): Result<{ order: OrderView } & T> {
    const state = this.order();
    if (!state || !this.owns(req.actor, state)) return notFound();
    return this.guarded(() => {
      this.fireDue(state, now);
      if (isCustomer(req.actor) && !customerVisible(state, this.process(state))) return notFound();
      const idempotency = req.idempotency ?? this.callerKey(req);
      if (idempotency) {
        const known = this.store.idempotent(idempotency.key);
        if (known) return this.replay(state, idempotency, known, req.codec, now);
      }
      const { expectedVersion } = req.options;
      const result =
        expectedVersion !== undefined && expectedVersion !== state.version
          ? fail(
              "CONFLICT",
              `expectedVersion ${expectedVersion} is stale: the order is at version ${state.version}`,
              { currentVersion: state.version },
            )
          : req.compute(state, this.stepper(state), now);
      if (!result.ok) {
        if (idempotency?.rememberFailures)
          this.store.transaction(() =>
            this.store.remember(idempotency.key, idempotency.hash, result, now),
          );
        return result;
      }
      this.commit(state, result.change, now, {
        alongside: () => {
          if (!idempotency) return;
          const remembered: RememberedAnswer = {
            ok: true,
            version: state.version + result.change.history.length,
            extra: req.codec.compact(result.extra),
          };
          this.store.remember(idempotency.key, idempotency.hash, remembered, now);
        },
      });
      return { ok: true, order: this.view(state, now), ...result.extra };
    });
  }

  /**
   * Runs commands one after the other in one transaction, each on the order as the ones before
   * left it; a refused command changes nothing and does not stop the rest. Idempotent: the same
   * key and request get the first outcomes again.
   */
  runSequence(
    req: SequenceRequest,
    now: number,
  ): Result<{ version: number; outcomes: SequenceOutcome[] }> {
    const state = this.order();
    if (!state || !this.owns(req.actor, state)) return notFound();
    return this.guarded(() => {
      this.fireDue(state, now);
      const { key, hash } = req.idempotency;
      const known = this.store.idempotent(key);
      if (known) {
        if (known.requestHash !== hash) return keyReused(key);
        const first = known.answer;
        if (!first.ok) return first;
        const { refusals, outcomes } = storedOutcomes.parse(first.extra);
        return {
          ok: true,
          version: first.version,
          outcomes: outcomes.map((i) => (i < 0 ? null : (refusals[i] ?? null))),
        };
      }
      const stepper = this.stepper(state);
      const before = state.version;
      const outcomes: SequenceOutcome[] = [];
      this.store.transaction(() => {
        for (const compute of req.commands) {
          const result = compute(state, stepper, now);
          if (!result.ok) {
            outcomes.push(result);
            continue;
          }
          this.store.write(result.change, state.version, now);
          // Memory runs ahead of the open transaction; `guarded` forgets it if that fails.
          applyChange(state, result.change);
          outcomes.push(null);
        }
        if (state.version !== before)
          this.store.requestProjection(state.version, this.projectionDueAt(now), now);
        const remembered: RememberedAnswer = {
          ok: true,
          version: state.version,
          extra: compactOutcomes(outcomes),
        };
        this.store.remember(key, hash, remembered, now);
      });
      return { ok: true, version: state.version, outcomes };
    });
  }

  /** Forgets idempotency records past their time; part of the alarm's housekeeping. */
  prune(now: number): void {
    this.store.transaction(() => this.store.pruneIdempotency(now - IDEMPOTENCY_TTL_MS));
  }

  private callerKey<T extends object>(req: CommandRequest<T>): Idempotency | undefined {
    const { idempotencyKey } = req.options;
    if (!idempotencyKey) return undefined;
    return {
      key: `${actorLabel(req.actor)}|${idempotencyKey}`,
      hash: JSON.stringify({
        operation: req.operation,
        options: req.options,
        request: req.request,
      }),
      rememberFailures: false,
    };
  }

  private replay<T extends object>(
    state: OrderState,
    idempotency: Idempotency,
    known: IdempotencyRecord,
    codec: ExtraCodec<T>,
    now: number,
  ): Result<{ order: OrderView } & T> {
    if (known.requestHash !== idempotency.hash) return keyReused(idempotency.key);
    const first = known.answer;
    if (!first.ok) return first;
    return { ok: true, order: this.view(state, now), ...codec.expand(first.extra) };
  }

  private owns(actor: Actor, state: OrderState): boolean {
    return !isCustomer(actor) || state.header.customerReference === actor.sub;
  }

  private stepper(state: OrderState): Stepper {
    const process = this.process(state);
    let stepper = this.steppers.get(process.id);
    if (!stepper) {
      stepper = new Stepper(process, this.settings());
      this.steppers.set(process.id, stepper);
    }
    return stepper;
  }

  /**
   * Writes a change with its projection request (and whatever belongs with it) in one
   * transaction, then updates memory. A new order's schema is created in the same transaction.
   */
  private commit(
    state: OrderState,
    change: Change,
    now: number,
    with_: { createSchema?: boolean; alongside?: () => void } = {},
  ) {
    this.store.transaction(() => {
      if (with_.createSchema) this.store.create();
      const version = this.store.write(change, state.version, now);
      if (version !== state.version)
        this.store.requestProjection(version, this.projectionDueAt(now), now);
      with_.alongside?.();
    });
    applyChange(state, change);
  }

  private guarded<R>(work: () => R): R {
    try {
      return work();
    } catch (error) {
      this.forget();
      throw error;
    }
  }
}

function compactOutcomes(outcomes: SequenceOutcome[]): StoredOutcomes {
  const refusals: Failure[] = [];
  const seen = new Map<string, number>();
  return {
    refusals,
    outcomes: outcomes.map((outcome) => {
      if (outcome === null) return -1;
      const text = JSON.stringify(outcome);
      let index = seen.get(text);
      if (index === undefined) {
        index = refusals.push(outcome) - 1;
        seen.set(text, index);
      }
      return index;
    }),
  };
}
