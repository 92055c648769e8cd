import { z } from "zod";
import { isoTime } from "./order-view";
import { processId, processNames } from "./processes";

/** Items of one state moving to another. */
export const stateMove = z.object({
  from: z.string(),
  to: z.string(),
  items: z.number().int(),
  quantity: z.number().int(),
});
export interface StateMove extends z.infer<typeof stateMove> {}

export const migrationBlock = z.enum(["unmapped-state", "transient-target", "command-pending"]);

/** What the order object answers for one order of a migration. */
export const orderMigration = z.discriminatedUnion("outcome", [
  /** Moved now (or, in a dry run, would move). */
  z.object({ outcome: z.literal("moved"), moves: z.array(stateMove), version: z.number().int() }),
  /** Every item is in a final state: it stays on the version it ended on. */
  z.object({ outcome: z.literal("finished") }),
  /** It runs on another process: moved before (by this run or another), or never on `from`. */
  z.object({ outcome: z.literal("other-process"), process: z.string() }),
  z.object({ outcome: z.literal("blocked"), reason: migrationBlock, states: z.array(z.string()) }),
]);
export type OrderMigration = z.infer<typeof orderMigration>;

export const migrationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'");

/** `processes.migrate`'s input; the state map is checked against both processes. */
export const migrateInput = z
  .strictObject({
    from: processId,
    to: processId,
    stateMap: z.record(z.string(), z.string()),
    dryRun: z.boolean(),
    /** Names the run (resume it by naming it again); a new one is made when absent. */
    migrationId: migrationIdSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const from = processNames[input.from];
    const to = processNames[input.to];
    if (input.from === input.to)
      ctx.addIssue({ code: "custom", path: ["to"], message: "is the process migrated from" });
    const fromStates: readonly string[] = from.states;
    const toStates: readonly string[] = to.states;
    for (const [state, target] of Object.entries(input.stateMap)) {
      if (!fromStates.includes(state))
        ctx.addIssue({
          code: "custom",
          path: ["stateMap", state],
          message: `${input.from} has no state "${state}" (its states: ${fromStates.join(", ")})`,
        });
      if (!toStates.includes(target))
        ctx.addIssue({
          code: "custom",
          path: ["stateMap", state],
          message: `${input.to} has no state "${target}" (its states: ${toStates.join(", ")})`,
        });
    }
  });
export type MigrateInput = z.infer<typeof migrateInput>;

/** An order a migration did not move, and why. */
export const migrationSkip = z.object({
  reference: z.string(),
  outcome: z.enum(["blocked", "unreachable"]),
  /** The block (unmapped-state, transient-target, command-pending) or the error met. */
  reason: z.string(),
  states: z.array(z.string()),
});

/** A move of the report: how many items of how many orders went (or would go) where. */
export const reportMove = stateMove.extend({ orders: z.number().int() });

/** What a migration did, or (dry run) would do. */
export const migrationReport = z.object({
  from: processId,
  to: processId,
  /** Orders on `from` that moved (would move). */
  moved: z.number().int(),
  /** Orders on `from` whose items are all final: they stay where they ended. */
  finished: z.number().int(),
  moves: z.array(reportMove),
  /** Orders that cannot move (blocked) or could not be reached, with why. */
  cannot: z.array(migrationSkip),
});
export interface MigrationReport extends z.infer<typeof migrationReport> {}

/** `processes.migration`: a run's progress, and its report so far (final once finished). */
export const migrationStatus = migrationReport.extend({
  migrationId: z.string(),
  stateMap: z.record(z.string(), z.string()),
  status: z.enum(["running", "finished"]),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  /** Orders the read model still lists on `from` that the run has not reached yet. */
  left: z.number().int(),
});
export interface MigrationStatus extends z.infer<typeof migrationStatus> {}

/** `processes.usage`: how many orders the read model has on a process version, and how many run. */
export const processUsage = z.object({
  /** "payment@1"; null: orders last projected before the read model kept the process. */
  process: z.string().nullable(),
  orders: z.number().int(),
  /** Orders with an item in a state that is not final. */
  running: z.number().int(),
});
export interface ProcessUsage extends z.infer<typeof processUsage> {}

/** `processes.migrate`: a dry run's report, or the id of the run that goes on in the background. */
export const migrateResult = z.union([
  z.object({ report: migrationReport }),
  z.object({ migrationId: z.string() }),
]);
