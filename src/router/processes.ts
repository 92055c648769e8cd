import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { ProcessDescription } from "../domain/process-description";
import {
  type MigrationReport,
  type MigrationStatus,
  migrateInput,
  migrationIdSchema,
  type ProcessUsage,
} from "../domain/process-migration";
import { describeProcess } from "../machines/describe";
import { listProcesses, processConfigFromEnv, processIds } from "../machines/registry";
import {
  dryRunMigration,
  readMigration,
  runMigration,
  startMigration,
} from "../worker/process-migration";
import { processUsage } from "../worker/process-usage";
import { serviceClock } from "../worker/service-clock";
import { actorOf } from "./orders";
import { backofficeProcedure, router, staffProcedure } from "./trpc";

/** A process by name, newest version, or by `name@version` as orders show it. */
const processRef = z
  .strictObject({
    name: z
      .string()
      .max(64)
      .regex(
        /^[a-z][a-z0-9-]*(@[1-9][0-9]{0,8})?$/,
        "must be a process name such as payment, or payment@1",
      ),
    version: z.number().int().min(1).optional(),
  })
  .transform(({ name, version }, ctx) => {
    const [base = name, suffix] = name.split("@");
    const named = suffix === undefined ? undefined : Number(suffix);
    if (named !== undefined && version !== undefined && named !== version) {
      ctx.addIssue({
        code: "custom",
        path: ["version"],
        message: `is ${version}, but name says ${name}`,
      });
      return z.NEVER;
    }
    return { name: base, version: named ?? version };
  });

export const processesRouter = router({
  /** Every registered process version, with its states, transitions and diagram. */
  list: staffProcedure
    .input(z.strictObject({}).optional())
    .query(({ ctx }): ProcessDescription[] =>
      listProcesses(processConfigFromEnv(ctx.env)).map(describeProcess),
    ),

  /** One process: the newest version of `name`, or the one `name@version` or `version` names. */
  get: staffProcedure.input(processRef).query(({ ctx, input }): ProcessDescription => {
    const matching = listProcesses(processConfigFromEnv(ctx.env)).filter(
      (p) => p.name === input.name && (input.version === undefined || p.version === input.version),
    );
    const process = matching.sort((a, b) => b.version - a.version)[0];
    if (!process)
      throw new TRPCError({
        code: "NOT_FOUND",
        message: `no process ${input.name}${input.version ? `@${input.version}` : ""} (registered: ${processIds.join(", ")})`,
      });
    return describeProcess(process);
  }),

  /** Per registered version: how many orders the read model has on it, and how many still run. */
  usage: staffProcedure
    .input(z.strictObject({}).optional())
    .query(({ ctx }): Promise<ProcessUsage[]> => processUsage(ctx.env.DB)),

  /**
   * Moves every order still running on `from` to `to` (docs/processes.md). A dry run answers
   * its report; a run starts in the background and answers its id at once (`processes.migration`
   * tells its progress); naming a run's id again resumes it.
   */
  migrate: backofficeProcedure
    .input(migrateInput)
    .mutation(
      async ({ ctx, input }): Promise<{ report: MigrationReport } | { migrationId: string }> => {
        const actor = actorOf(ctx.principal);
        const now = (await serviceClock(ctx.env))();
        if (input.dryRun) return { report: await dryRunMigration(ctx.env, input, actor, now) };
        const migrationId =
          input.migrationId ?? `migration-${now.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
        const run = { migrationId, from: input.from, to: input.to, stateMap: input.stateMap };
        const started = await startMigration(ctx.env, run, actor, now);
        if (started === "conflict")
          throw new TRPCError({
            code: "CONFLICT",
            message: `migrationId: ${migrationId} names a migration of other processes or another state map`,
          });
        ctx.waitUntil(
          runMigration(ctx.env, migrationId, actor).catch((error: unknown) =>
            // Its lease runs out and the cron's sweep resumes it from its cursor.
            console.error(
              JSON.stringify({
                message: "migration run stopped",
                migrationId,
                error: String(error),
              }),
            ),
          ),
        );
        return { migrationId };
      },
    ),

  /** A migration's progress: orders moved, finished, blocked or out of reach, and left. */
  migration: staffProcedure
    .input(z.strictObject({ migrationId: migrationIdSchema }))
    .query(async ({ ctx, input }): Promise<MigrationStatus> => {
      const status = await readMigration(ctx.env.DB, input.migrationId);
      if (!status)
        throw new TRPCError({ code: "NOT_FOUND", message: `no migration ${input.migrationId}` });
      return status;
    }),
});
