import { z } from "zod";
import { waitingMatrix } from "../db/item-groups";
import { type ImportReport, importEventsInput } from "../domain/import";
import type { MatrixRow } from "../domain/stock";
import { listProcesses, processConfigFromEnv } from "../machines/registry";
import { importEvents } from "../worker/event-import";
import { serviceClock } from "../worker/service-clock";
import { actorOf } from "./orders";
import { backofficeProcedure, router, staffProcedure, unwrap } from "./trpc";

/** Work on many orders at once: the bulk status import and the order matrix (back office). */
export const orderOperationsRouter = router({
  /**
   * Applies a bulk status import: up to 10,000 rows, grouped per order, each order's rows in one
   * transaction; returns a report per row. The same importId again returns the first report.
   */
  importEvents: backofficeProcedure
    .input(importEventsInput)
    .mutation(async ({ ctx, input }): Promise<ImportReport> => {
      return unwrap(await importEvents(ctx.env, input, actorOf(ctx.principal))).report;
    }),

  /** Item quantities per process and state by time in state (under a day, a week, older), from D1. */
  matrix: staffProcedure
    .input(z.strictObject({}).optional())
    .query(async ({ ctx }): Promise<MatrixRow[]> => {
      const now = (await serviceClock(ctx.env))();
      return waitingMatrix(ctx.db, listProcesses(processConfigFromEnv(ctx.env)), now);
    }),
});
