import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { ProcessDescription } from "../domain/process-description";
import { describeProcess } from "../machines/describe";
import { listProcesses, processConfigFromEnv, processIds } from "../machines/registry";
import { router, staffProcedure } from "./trpc";

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
});
