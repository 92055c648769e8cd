import { storedItemGroups } from "../db/item-groups";
import { type DeliveryRow, projectOrder } from "../db/projection";
import { webhookId } from "../domain/deliveries";
import type { InvoiceJob } from "../domain/invoices";
import type { OrderView } from "../domain/order-view";
import { creditNotePayload } from "../domain/outbox";
import { nextAttemptAt, type RetryPolicy } from "../domain/retry";
import { itemGroups } from "../engine/item-groups";
import type { OrderState } from "../engine/model";
import { summaryRow } from "../engine/summary";
import type { ProcessDefinition } from "../machines/registry";
import { confirmationMail } from "../mail/confirmation";
import { captureStatement, mailTransportFromEnv } from "../mail/transport";
import { deliveryConfig, renderEvent, sendEvent, toDeliveryView } from "./erp-deliveries";
import type { OrderStore, OutboxEntry, OutboxRow, StoredDelivery } from "./order-store";

const MINUTE = 60_000;

/**
 * The projection is tried most often and soonest (60 attempts at most 10 minutes apart, about
 * 8.5 hours): it is how the rest of the system learns about the order (dead effects included),
 * and its next change asks for it again anyway. Mails and invoice and credit-note jobs wait up
 * to an hour between attempts and give up after about 19 hours. ERP deliveries have their own,
 * configurable policy and keep trying longest (erp-deliveries.ts: at least 24 hours).
 */
export const retryPolicies: Record<Exclude<OutboxRow["kind"], "erp">, Required<RetryPolicy>> = {
  projection: { maxAttempts: 60, firstMs: 1_000, maxMs: 10 * MINUTE },
  mail: { maxAttempts: 30, firstMs: 2_000, maxMs: 60 * MINUTE },
  invoice: { maxAttempts: 30, firstMs: 2_000, maxMs: 60 * MINUTE },
  "credit-note": { maxAttempts: 30, firstMs: 2_000, maxMs: 60 * MINUTE },
};

/**
 * At most one projection per order goes to D1 in this span: the first change of a burst is
 * projected at once, the rest of the burst shares one write at its end. Lists are eventually
 * consistent anyway; a quarter second keeps them fresh for a person, while an order taking
 * commands back to back pays one projection (and the alarm that sends it) per quarter second
 * instead of one per 50 ms, the spacing before (what that saves: docs/performance.md).
 */
const PROJECTION_SPACING_MS = 250;
/** A bound on delivery rounds per drain; whatever is left waits for the alarm. */
const MAX_DRAIN_ROUNDS = 10;
/** How long after an ERP attempt's timeout the alarm takes over if the attempt never ended. */
const DELIVERY_LEASE_MARGIN_MS = 5_000;

/** What the outbox reads from the order object to deliver an effect. */
export interface OutboxContext {
  order(): OrderState | null;
  process(state: OrderState): ProcessDefinition;
  view(state: OrderState, now: number): OrderView;
  now(): number;
  /** The D1 the object writes: projections and captured mails (`env.DB` in production). */
  db(): D1Database;
  /** Where ERP events go (`env.ERP_EXPORT_URL` in production); empty: they wait. */
  deliveryUrl(): string;
  /** Called after a drain that attempted something: the next attempt needs an alarm. */
  settled(): Promise<void>;
  /** Keeps work going after the caller returns (the object's `waitUntil`). */
  beside(work: Promise<unknown>): void;
}

/**
 * The order's outbox: effects written in the same transaction as the change that caused them,
 * delivered after the answer, retried with exponential backoff, and parked as `dead` (visible
 * in `outbox.list`, and in D1 through the projection) once out of attempts, until retried.
 */
export class Outbox {
  /** The projection, mails and invoice jobs: what the read model and the invoice wait for. */
  private readonly effects = new OneAtATime(() => this.drainRounds());
  /** ERP deliveries, one at a time in sequence, each up to its timeout: never in their way. */
  private readonly deliveries = new OneAtATime(() => this.deliveryRounds());
  private lastProjectionAt = Number.NEGATIVE_INFINITY;
  /** What the last projection D1 took said besides the summary row (null: not known). */
  private lastProjected: ProjectedParts | null = null;

  constructor(
    private readonly store: OrderStore,
    private readonly env: Env,
    private readonly context: OutboxContext,
  ) {}

  /** When a projection requested now is due: at once, unless one went out just before. */
  projectionDueAt(now: number): number {
    return Math.max(
      now,
      Math.min(this.lastProjectionAt + PROJECTION_SPACING_MS, now + PROJECTION_SPACING_MS),
    );
  }

  /**
   * Delivers what is due: the effects and the ERP deliveries in two drains side by side, so a
   * slow or silent ERP holds back neither the projection nor an invoice job nor the alarm.
   * Resolves when the effects are done; the ERP drain goes on beside them.
   */
  drain(): Promise<void> {
    this.context.beside(
      this.deliveries.run().catch((error) =>
        console.error(
          JSON.stringify({
            message: "ERP drain failed",
            error: error instanceof Error ? error.message : String(error),
          }),
        ),
      ),
    );
    return this.effects.run();
  }

  /** Both drains, to the end: what the adjustable clock's advance waits for. */
  async drainAll(): Promise<void> {
    await Promise.all([this.effects.run(), this.deliveries.run()]);
  }

  entries(): OutboxEntry[] {
    return this.store.outbox();
  }

  /**
   * Gives a dead effect a new round of attempts, due now; false when there is no such dead
   * row. The projection tells D1 it is no longer dead.
   */
  retry(id: number, now: number, version: number): boolean {
    return this.store.transaction(() => {
      const revived = this.store.reviveOutbox(id, now);
      if (revived) this.store.requestProjection(version, now, now);
      return revived;
    });
  }

  /**
   * Makes the next ERP delivery due now if it waits without a date (no URL was set when its
   * turn came): what the scheduled sweep asks for. False when there is nothing to wake.
   */
  wakeDeliveries(now: number, version: number): boolean {
    if (!this.context.deliveryUrl()) return false;
    return this.store.transaction(() => {
      const woken = this.store.promoteDelivery(now);
      if (woken) this.store.requestProjection(version, now, now);
      return woken;
    });
  }

  /** The kinds and ids of dead effects, as the projection reports them. */
  deadEffects(): { id: number; kind: string }[] {
    return this.entries()
      .filter((e) => e.status === "dead" && e.kind !== "projection")
      .map(({ id, kind }) => ({ id, kind }));
  }

  /**
   * Rounds until nothing is due: rows that became due while a delivery was awaited (a newer
   * projection, say) go out in the same drain. What a round delivered is marked done in one
   * write at its end, with the alarm re-armed in the same turn: one storage commit for the
   * round instead of one per effect (a placement's mail and projection, an invoice job and its
   * projection). ERP deliveries are recorded at once: the projection after them reports them.
   */
  private async drainRounds() {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const due = this.store.dueOutbox(this.context.now()).filter((row) => row.kind !== "erp");
      if (due.length === 0) {
        // Nothing delivered, nothing changed: the alarm stays as it was armed.
        if (round === 0) return;
        break;
      }
      // Mails the capture store keeps in D1 ride in the projection's batch: one D1 call.
      const riders =
        due.some((row) => row.kind === "projection") && this.env.MAIL_TRANSPORT === "capture"
          ? due.filter((row) => row.kind === "mail")
          : [];
      const delivered: OutboxRow[] = [];
      for (const row of due) {
        if (riders.includes(row)) continue;
        if (row.kind === "projection" && riders.length > 0) {
          // Delivered together, or (the batch failed) each attempted on its own as usual.
          if (await this.projectWith(row, riders)) delivered.push(row, ...riders);
          else for (const each of [row, ...riders]) await this.attempt(each, delivered);
        } else await this.attempt(row, delivered);
      }
      if (delivered.length > 0)
        this.store.transaction(() => {
          for (const row of delivered) this.store.outboxDone(row);
        });
    }
    await this.context.settled();
  }

  /**
   * The ERP deliveries that are due, one attempt at a time: per order only the next event in
   * sequence is ever due, so they go out in order. After each attempt the effects drain sends
   * the projection it asked for (D1 shows every attempt).
   */
  private async deliveryRounds() {
    let projected: Promise<void> | null = null;
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      const now = this.context.now();
      const row = this.store.dueOutbox(now).find((r) => r.kind === "erp");
      if (!row) break;
      const { timeoutMs } = deliveryConfig(this.env, this.context.deliveryUrl());
      this.store.leaseDelivery(row, now + timeoutMs + DELIVERY_LEASE_MARGIN_MS);
      await this.attempt(row, []);
      projected = this.effects.run();
    }
    if (!projected) return;
    await projected;
    await this.context.settled();
  }

  /** The projection with mails in its batch; false (nothing sent) when the batch failed. */
  private async projectWith(row: OutboxRow, mails: OutboxRow[]): Promise<boolean> {
    const state = this.context.order();
    if (!state) return false;
    try {
      // The one mail an order sends from its outbox: the confirmation, one per mail row.
      const mail = confirmationMail(this.context.view(state, this.context.now()));
      await this.deliver(
        row,
        mails.map(() => captureStatement(this.context.db(), mail)),
      );
    } catch {
      return false;
    }
    return true;
  }

  private policy(kind: OutboxRow["kind"]): RetryPolicy {
    return kind === "erp"
      ? deliveryConfig(this.env, this.context.deliveryUrl()).policy
      : retryPolicies[kind];
  }

  /**
   * One attempt. A delivered ERP event is recorded at once; any other delivered row joins
   * `delivered`, which the round marks done.
   */
  private async attempt(row: OutboxRow, delivered: OutboxRow[]) {
    try {
      if (row.kind === "erp") {
        if (!this.context.deliveryUrl()) return this.parkDelivery(row);
        await this.deliver(row);
        // Delivered: the next event of the order goes now; D1 learns both.
        this.afterDelivery(() => this.store.deliveryDone(row, this.context.now()));
        return;
      }
      await this.deliver(row);
      delivered.push(row);
    } catch (error) {
      const now = this.context.now();
      const attempts = row.attempts + 1;
      const retryAt = nextAttemptAt(this.policy(row.kind), attempts, now);
      const message = error instanceof Error ? error.message : String(error);
      const failed = () => this.store.outboxFailed(row, message, now, retryAt);
      if (row.kind === "erp") this.afterDelivery(failed, retryAt === null);
      else
        this.store.transaction(() => {
          failed();
          // A dead effect must be visible across orders: the projection carries it to D1.
          const state = this.context.order();
          if (retryAt === null && row.kind !== "projection" && state)
            this.store.requestProjection(state.version, now, now);
        });
      const log = { outboxId: row.id, kind: row.kind, attempts, error: message };
      if (retryAt === null) console.error(JSON.stringify({ message: "effect dead", ...log }));
      else console.warn(JSON.stringify({ message: "effect failed", retryAt, ...log }));
    }
  }

  /**
   * Writes what an ERP attempt changed, promotes the next delivery if this one is `finished`
   * (delivered or given up), and asks for a projection: D1's index shows every attempt.
   */
  private afterDelivery(write: () => void, finished = true) {
    const now = this.context.now();
    this.store.transaction(() => {
      write();
      if (finished) this.store.promoteDelivery(now);
      const state = this.context.order();
      if (state) this.store.requestProjection(state.version, now, now);
    });
  }

  private parkDelivery(row: OutboxRow) {
    this.afterDelivery(
      () => this.store.parkDelivery(row, "waiting: ERP_EXPORT_URL is not set"),
      false,
    );
  }

  private async deliver(row: OutboxRow, alongside: D1PreparedStatement[] = []) {
    const state = this.context.order();
    if (!state) throw new Error("the order is gone");
    switch (row.kind) {
      case "projection": {
        const now = this.context.now();
        const process = this.context.process(state);
        const summary = summaryRow(state, process, now, this.deadEffects());
        const deliveries = this.store.unprojectedDeliveries();
        const groups = storedItemGroups(itemGroups(state, process));
        const parts: ProjectedParts = {
          reserved: groups.reserved.map((chunk) => chunk.json).join(),
          waiting: groups.waiting,
          customOrderReference: summary.customOrderReference,
          process: summary.process,
        };
        const last = this.lastProjected;
        // Not known again until this one is known to be in D1.
        this.lastProjected = null;
        await projectOrder(this.context.db(), summary, {
          exports: deliveryRowsOf(state.header.reference, deliveries),
          itemGroups: groups,
          unchanged: {
            reserved: last?.reserved === parts.reserved,
            waiting: last?.waiting === parts.waiting,
            customOrderReference: last?.customOrderReference === parts.customOrderReference,
            process: last?.process === parts.process,
          },
          alongside,
        });
        this.lastProjected = parts;
        if (deliveries.length > 0)
          this.store.transaction(() => this.store.deliveriesProjected(deliveries));
        this.lastProjectionAt = now;
        return;
      }
      case "invoice":
        await this.env.INVOICE_QUEUE.send({ orderReference: state.header.reference });
        return;
      case "credit-note": {
        // The same queue as invoices: one consumer issues both, in the same gap-free way.
        const { key } = creditNotePayload.parse(JSON.parse(row.payload));
        await this.env.INVOICE_QUEUE.send({
          orderReference: state.header.reference,
          creditNote: key,
        } satisfies InvoiceJob);
        return;
      }
      case "mail":
        await mailTransportFromEnv({ ...this.env, DB: this.context.db() }).send(
          confirmationMail(this.context.view(state, this.context.now())),
        );
        return;
      case "erp": {
        const sequence = row.sequence ?? 0;
        const orderReference = state.header.reference;
        const body = renderEvent(row.payload, { orderReference, sequence }, () =>
          this.context.view(state, this.context.now()),
        );
        const config = deliveryConfig(this.env, this.context.deliveryUrl());
        await sendEvent(config, webhookId(orderReference, sequence), body);
        return;
      }
    }
  }
}

/**
 * Runs `work` one at a time. A call while it runs gets the running promise and asks for one more
 * run after it, since the running one may have looked for due rows before the caller added one.
 */
class OneAtATime {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly work: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const loop = async () => {
      try {
        do {
          this.again = false;
          await this.work();
        } while (this.again);
      } finally {
        this.running = null;
      }
    };
    this.running = loop();
    return this.running;
  }
}

/** An order's projection besides its summary row, as compared between projections. */
interface ProjectedParts {
  reserved: string;
  waiting: string;
  customOrderReference: string | null;
  process: string;
}

/** ERP deliveries as D1's index keeps them. */
const deliveryRowsOf = (orderReference: string, rows: StoredDelivery[]): DeliveryRow[] =>
  rows.map((r) => ({ ...toDeliveryView(orderReference, r), revision: r.revision }));
