import { acceptedEvents, type ItemSnapshot, type StepResult, step } from "../../src/engine/step";
import { getProcess, type ProcessDefinition } from "../../src/machines/registry";

export const payment = (): ProcessDefinition => getProcess("payment@1")!;
export const noPayment = (): ProcessDefinition => getProcess("no-payment@1")!;

export const at = (state: string, windowClosed = false): ItemSnapshot => ({
  state,
  context: { windowClosed },
});

/** Steps through `events`, failing with the state and what it accepts if one is refused. */
export function run(def: ProcessDefinition, from: ItemSnapshot, events: string[]): StepResult[] {
  const results: StepResult[] = [];
  let current = from;
  for (const event of events) {
    const result = step(def, current, event);
    if (!result) {
      throw new Error(
        `${current.state} refused ${event}; accepts ${acceptedEvents(def, current).join(", ")}`,
      );
    }
    results.push(result);
    current = result.snapshot;
  }
  return results;
}

/** The event of the one timer the step scheduled, for firing it later. */
export function timerEvent(result: StepResult): string {
  const [timer, ...rest] = result.timers.schedule;
  if (!timer || rest.length)
    throw new Error(`expected one timer, got ${result.timers.schedule.length}`);
  return timer.event;
}
