import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { wellFormed } from "../domain/text";
import { describeProcess } from "../machines/describe";
import { listProcesses, processConfigFromEnv } from "../machines/registry";
import { backofficeProcedure, router } from "./trpc";

export const processesRouter = router({
  /** Every registered process version, with its states, transitions and diagram. */
  list: backofficeProcedure
    .input(z.strictObject({}).optional())
    .query(({ ctx }) => listProcesses(processConfigFromEnv(ctx.env)).map(describeProcess)),

  /** One process; the newest version unless `version` is given. */
  get: backofficeProcedure
    .input(
      z.strictObject({
        name: wellFormed().min(1).max(64),
        version: z.number().int().min(1).optional(),
      }),
    )
    .query(({ ctx, input }) => {
      const matching = listProcesses(processConfigFromEnv(ctx.env)).filter(
        (p) =>
          p.name === input.name && (input.version === undefined || p.version === input.version),
      );
      const process = matching.sort((a, b) => b.version - a.version)[0];
      if (!process)
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `no process ${input.name}${input.version ? `@${input.version}` : ""}`,
        });
      return describeProcess(process);
    }),
});
