/**
 * The process registry: `name@version` -> an item machine with its manual events and commands.
 *
 * Adding a new version (say payment@2):
 * 1. Copy `payment-process.ts` to `payment-process-v2.ts`, set the machine id to "payment@2" and
 *    change what you need. Never edit a registered version in place: orders stay pinned to the
 *    version they were placed with, and their stored states, timer ids and history must keep
 *    meaning the same thing for as long as the order exists.
 * 2. Publish its id, states and manual events in `src/domain/processes.ts` (callers' types come
 *    from there; this file fails to compile, and to load, until they match the machine).
 * 3. Add an entry to `specs` below. Old versions stay registered forever.
 * 4. Point payment methods at it with PAYMENT_PROCESSES (new orders only), and move running
 *    orders onto it with `processes.migrate` (docs/processes.md).
 * New delay names get a default in DEFAULT_DELAYS; new commands need a meaning in the engine.
 */
import type { AnyStateMachine, SnapshotFrom } from "xstate";
import { z } from "zod";
import { parseDuration } from "../domain/duration";
import { describeIssues } from "../domain/issues";
import {
  isProcessId,
  type ProcessId,
  type ProcessNames,
  processIds,
  processNames,
} from "../domain/processes";
import type { CommandName, CommandScope } from "./item-process";
import { noPaymentCommands, noPaymentMachine, noPaymentManualEvents } from "./no-payment-process";
import { paymentCommands, paymentMachine, paymentManualEvents } from "./payment-process";
import {
  paymentV2Commands,
  paymentV2Machine,
  paymentV2ManualEvents,
  paymentV2Migration,
} from "./payment-process-v2";

/**
 * xstate types each machine by its own state names, and those types are not assignable to one
 * another (a snapshot's `matches` is contravariant in them), so a registry of several machines
 * has to hold xstate's own "any machine" type. `src/engine/step.ts` turns what comes out of it
 * back into precise types at once.
 */
export type ItemMachine = AnyStateMachine;

export interface ProcessDefinition {
  /** "payment@1": what an order stores as its process. */
  id: string;
  name: string;
  version: number;
  /** Provided with the configured delays. */
  machine: ItemMachine;
  /** Events a person, the back office or the ERP may trigger. */
  manualEvents: readonly string[];
  /** Which commands run once per order per event, and which once per item. */
  commands: Readonly<Record<string, CommandScope>>;
  /** Delay name -> milliseconds, as configured: what its `after` transitions wait. */
  delays: Readonly<Record<string, number>>;
  /** What a migration of orders onto this version does besides moving them. */
  migration: MigrationPolicy;
}

export interface MigrationPolicy {
  /** Tell the ERP (`order.process-migrated`) about orders it already has (exported ones). */
  notifyErp: boolean;
}

export interface ProcessConfig {
  /** Delay name -> milliseconds; names a process does not use are ignored by it. */
  delays: Readonly<Record<string, number>>;
}

interface ProcessSpec {
  name: string;
  version: number;
  machine: ItemMachine;
  manualEvents: readonly string[];
  commands: Readonly<Partial<Record<CommandName, CommandScope>>>;
  migration?: MigrationPolicy;
}

// `as const`: each machine's own types, held below to the names it publishes.
const specs = [
  {
    name: "payment",
    version: 1,
    machine: paymentMachine,
    manualEvents: paymentManualEvents,
    commands: paymentCommands,
  },
  {
    name: "no-payment",
    version: 1,
    machine: noPaymentMachine,
    manualEvents: noPaymentManualEvents,
    commands: noPaymentCommands,
  },
  {
    name: "payment",
    version: 2,
    machine: paymentV2Machine,
    manualEvents: paymentV2ManualEvents,
    commands: paymentV2Commands,
    migration: paymentV2Migration,
  },
] as const satisfies readonly ProcessSpec[];

type Spec = (typeof specs)[number];
type IdOf<S> = S extends { name: infer N extends string; version: infer V extends number }
  ? `${N}@${V}`
  : never;
type StatesOf<S> = S extends { machine: infer M extends AnyStateMachine }
  ? Extract<SnapshotFrom<M>["value"], string>
  : never;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * Fails to compile when a machine's states or manual events differ from the names its process
 * publishes (src/domain/processes.ts), or a registered process publishes none.
 */
const published: {
  [S in Spec as IdOf<S>]: Same<
    [StatesOf<S>, S["manualEvents"][number]],
    [ProcessNames[IdOf<S> & ProcessId]["state"], ProcessNames[IdOf<S> & ProcessId]["event"]]
  >;
} & Record<ProcessId, true> = { "payment@1": true, "no-payment@1": true, "payment@2": true };

export { processIds };

const specById = new Map<string, Spec>(specs.map((s) => [`${s.name}@${s.version}`, s]));
for (const id of specById.keys())
  if (!isProcessId(id)) throw new Error(`process ${id} is registered but publishes no names`);
for (const id of processIds) {
  const spec = specById.get(id);
  if (!spec || !published[id]) throw new Error(`process ${id} is published but not registered`);
  // The machine id is part of every timer id (xstate.after.<delay>.<machine id>.<state>), so it
  // must be the registry id, or two versions could share timer ids.
  if (spec.machine.id !== id) throw new Error(`process ${id}: machine id is ${spec.machine.id}`);
  // Callers are given the published names (their types say so): they must be the machine's.
  const states = Object.keys(spec.machine.root.states);
  const names = processNames[id];
  if (!sameSet(states, names.states) || !sameSet(spec.manualEvents, names.manualEvents))
    throw new Error(`process ${id}: its states or manual events are not the published ones`);
  // A manual event no state handles would be offered to callers and then always refused.
  const handled = new Set(Object.values(spec.machine.root.states).flatMap((n) => n.ownEvents));
  for (const event of spec.manualEvents)
    if (!handled.has(event))
      throw new Error(`process ${id}: no state handles manual event ${event}`);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

export const DEFAULT_DELAYS: Readonly<Record<string, number>> = {
  paymentTimeout: parseDuration("1 day"),
  stockTimeout: parseDuration("14 days"),
  closeAfterDelivery: parseDuration("14 days"),
};

export const defaultProcessConfig: ProcessConfig = { delays: DEFAULT_DELAYS };

/** The delay names a machine uses, read from its `after` transitions. */
export function delayNamesOf(machine: ItemMachine): string[] {
  const names = new Set<string>();
  for (const node of Object.values(machine.root.states)) {
    for (const t of node.after) if (typeof t.delay === "string") names.add(t.delay);
  }
  return [...names];
}

/** Every delay name any registered process uses: what PROCESS_DELAYS may set. */
export const delayNames: readonly string[] = [
  ...new Set(specs.flatMap((s) => delayNamesOf(s.machine))),
];

// Definitions are shared: equal configs give the same object, so per-definition caches in the
// engine (step results, state info) stay warm across requests.
const byConfig = new WeakMap<ProcessConfig, Map<string, ProcessDefinition>>();
const byKey = new Map<string, ProcessDefinition>();

function build(id: string, spec: ProcessSpec, config: ProcessConfig): ProcessDefinition {
  const delays: Record<string, number> = {};
  for (const name of delayNamesOf(spec.machine)) {
    const ms = config.delays[name] ?? DEFAULT_DELAYS[name];
    if (ms !== undefined) delays[name] = ms;
  }
  const key = `${id}\u0000${JSON.stringify(Object.entries(delays).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
  let def = byKey.get(key);
  if (!def) {
    def = {
      id,
      name: spec.name,
      version: spec.version,
      machine: spec.machine.provide({ delays }),
      manualEvents: spec.manualEvents,
      commands: spec.commands,
      delays,
      migration: spec.migration ?? { notifyErp: false },
    };
    byKey.set(key, def);
  }
  return def;
}

/** The process `id` ("payment@1") with the configured delays, or undefined if not registered. */
export function getProcess(
  id: string,
  config: ProcessConfig = defaultProcessConfig,
): ProcessDefinition | undefined {
  let perConfig = byConfig.get(config);
  const cached = perConfig?.get(id);
  if (cached) return cached;
  const spec = specById.get(id);
  if (!spec) return undefined;
  const def = build(id, spec, config);
  if (!perConfig) {
    perConfig = new Map();
    byConfig.set(config, perConfig);
  }
  perConfig.set(id, def);
  return def;
}

/** Every registered process, oldest first. */
export function listProcesses(config: ProcessConfig = defaultProcessConfig): ProcessDefinition[] {
  return processIds.flatMap((id) => getProcess(id, config) ?? []);
}

/**
 * The process for a payment method: the map's entry, else its `default` entry. A method the
 * map does not know throws (the router refuses it first, see paymentMethodIssue): an order is
 * never placed on a process nobody chose for it.
 */
export function resolveProcessId(
  paymentMethod: string,
  map: Readonly<Record<string, string>>,
): string {
  // Own properties only: a payment method called "constructor" must not find Object's.
  const own = (key: string) => (Object.hasOwn(map, key) ? map[key] : undefined);
  const id = own(paymentMethod) ?? own("default");
  if (id === undefined) throw new Error(paymentMethodIssue(paymentMethod, map) ?? "");
  return id;
}

/** Why a payment method cannot be placed with this map, naming the known ones; null if it can. */
export function paymentMethodIssue(
  paymentMethod: string,
  map: Readonly<Record<string, string>>,
): string | null {
  if (Object.hasOwn(map, paymentMethod) || Object.hasOwn(map, "default")) return null;
  const known = Object.keys(map);
  return `unknown payment method ${JSON.stringify(paymentMethod)} (known: ${known.join(", ") || "none configured"})`;
}

const registeredId = z.string().refine((id) => specById.has(id), {
  error: (issue) =>
    `unknown process ${JSON.stringify(issue.input)} (registered: ${processIds.join(", ")})`,
});

const paymentProcessesSchema = z.record(z.string().min(1), registeredId);

/** Parses PAYMENT_PROCESSES (payment method -> process id); throws naming what is wrong. */
export function parsePaymentProcesses(json: string): Record<string, string> {
  // Read per placement with the same text: parse it once.
  const known = paymentProcessesByText.get(json);
  if (known) return known;
  const parsed = parsePaymentProcessesText(json);
  paymentProcessesByText.set(json, parsed);
  return parsed;
}
const paymentProcessesByText = new Map<string, Record<string, string>>();

function parsePaymentProcessesText(json: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`PAYMENT_PROCESSES is not valid JSON: ${errorText(e)}`);
  }
  const parsed = paymentProcessesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`PAYMENT_PROCESSES: ${describeIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

const processDelaysSchema = z
  .record(
    z.string(),
    z.string().transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: errorText(e) });
        return z.NEVER;
      }
    }),
  )
  // Checked here rather than on the key schema, whose message zod replaces with "Invalid key".
  .superRefine((delays, ctx) => {
    for (const name of Object.keys(delays)) {
      if (!delayNames.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `unknown delay ${JSON.stringify(name)} (known: ${delayNames.join(", ")})`,
        });
      }
    }
  });

/**
 * The process configuration from the environment: PROCESS_DELAYS is an optional JSON object of
 * human durations (`{"paymentTimeout":"2 days"}`), merged over DEFAULT_DELAYS. Throws naming
 * the bad entry, so a misconfigured worker fails loudly instead of using a default silently.
 */
export function processConfigFromEnv(env: { PROCESS_DELAYS?: string | undefined }): ProcessConfig {
  const text = env.PROCESS_DELAYS?.trim();
  if (!text) return defaultProcessConfig;
  // Called per request with the same text: hand back the same object so getProcess hits its
  // per-config cache.
  const known = configByText.get(text);
  if (known) return known;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`PROCESS_DELAYS is not valid JSON: ${errorText(e)}`);
  }
  const parsed = processDelaysSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`PROCESS_DELAYS: ${describeIssues(parsed.error.issues)}`);
  const config: ProcessConfig = { delays: { ...DEFAULT_DELAYS, ...parsed.data } };
  configByText.set(text, config);
  return config;
}

const configByText = new Map<string, ProcessConfig>();

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
