import type { ProcessUsage } from "../domain/process-migration";
import { flagsOf } from "../engine/step";
import { listProcesses, type ProcessDefinition } from "../machines/registry";

/** Orders per registered process version (and those whose process D1 does not know yet). */
export async function processUsage(db: D1Database): Promise<ProcessUsage[]> {
  const processes = listProcesses();
  const statements = [
    db.prepare("SELECT process, COUNT(*) AS n FROM orders GROUP BY process"),
    ...processes.map((p) =>
      db
        .prepare(
          `SELECT COUNT(DISTINCT s.order_id) AS n FROM orders o JOIN order_states s
             ON s.order_id = o.id WHERE o.process = ?1 AND s.state IN (SELECT value FROM json_each(?2))`,
        )
        .bind(p.id, JSON.stringify(runningStates(p))),
    ),
  ];
  const [totals, ...running] = await db.batch<{ process: string | null; n: number }>(statements);
  const total = (id: string | null) => totals?.results.find((r) => r.process === id)?.n ?? 0;
  const usage: ProcessUsage[] = processes.map((p, i) => ({
    process: p.id,
    orders: total(p.id),
    running: running[i]?.results[0]?.n ?? 0,
  }));
  const unknown = total(null);
  if (unknown > 0) usage.push({ process: null, orders: unknown, running: unknown });
  return usage;
}

const runningStates = (p: ProcessDefinition) =>
  Object.keys(p.machine.root.states).filter((s) => !flagsOf(p, s).includes("final"));
