/**
 * A process as data and as a Mermaid state diagram, for `processes.list` / `processes.get`.
 * Everything is read from the machine's own definition, so the picture cannot drift from the
 * behaviour.
 */
import type {
  ProcessDescription,
  ProcessStateDescription,
  ProcessTransitionDescription,
} from "../domain/process-description";
import { knownProcess, WINDOW_CLOSED_EVENT } from "../domain/processes";
import { displayNamesOf } from "./display-names";
import { readStateMeta } from "./item-process";
import type { ProcessDefinition } from "./registry";

/** The parts of xstate's transition definition read here (shared by `on`, `always`, `after`). */
interface TransitionLike {
  eventType: string;
  target?: readonly { key: string }[] | undefined;
  actions: readonly unknown[];
  guard?: unknown;
  delay?: unknown;
}

interface StateNodeLike {
  key: string;
  type: string;
  meta?: unknown;
  transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[] | undefined;
  after: readonly TransitionLike[];
}

function nameOf(thing: unknown): string | undefined {
  if (typeof thing === "string") return thing;
  if (typeof thing === "function") return thing.name || undefined;
  if (typeof thing === "object" && thing !== null && "type" in thing) {
    return typeof thing.type === "string" ? thing.type : undefined;
  }
  return undefined;
}

/** Mermaid ids allow letters, digits and underscores only. */
const mermaidId = (state: string) => state.replace(/[^A-Za-z0-9_]/g, "_");

/** Keeps a Mermaid label on one line and away from the characters that end it. */
const mermaidText = (text: string) => text.replace(/[\r\n"]/g, " ").replace(/:/g, "#58;");

/** Describes a process for people: states with display names and flags, transitions, diagram. */
export function describeProcess(def: ProcessDefinition): ProcessDescription {
  const root = def.machine.root;
  const rootNode: StateNodeLike = root;
  const nodes: StateNodeLike[] = Object.values(root.states);
  const isCommand = (name: string) => Object.hasOwn(def.commands, name);
  const commandsOf = (t: TransitionLike) =>
    t.actions.flatMap((a) => {
      const name = nameOf(a);
      return name !== undefined && isCommand(name) ? [name] : [];
    });

  const states: ProcessStateDescription[] = [];
  const transitions: ProcessTransitionDescription[] = [];

  const add = (from: StateNodeLike, t: TransitionLike, event: string, manual: boolean) => {
    const commands = commandsOf(t);
    const target = t.target?.[0]?.key;
    // A root-level transition that neither moves nor runs a command (remembering that the
    // window closed) changes nothing a person sees: leave it out of the picture.
    if (target === undefined && commands.length === 0) return;
    const guard = nameOf(t.guard);
    transitions.push({
      from: from.key,
      to: target ?? from.key,
      event,
      manual,
      ...(guard !== undefined ? { guard } : {}),
      commands,
    });
  };

  for (const node of nodes) {
    const manualEvents: string[] = [];
    const own = new Set<string>();
    for (const [eventType, list] of node.transitions) {
      own.add(eventType);
      // `after` transitions live in this map too, under their internal event; they are
      // described from `node.after` below with their delay name.
      if (list.some((t) => t.delay !== undefined)) continue;
      const manual = def.manualEvents.includes(eventType);
      if (manual && !manualEvents.includes(eventType)) manualEvents.push(eventType);
      for (const t of list) add(node, t, eventType, manual);
    }
    for (const t of node.always ?? []) add(node, t, "always", false);
    for (const t of node.after) {
      const delay = typeof t.delay === "string" ? t.delay : String(t.delay);
      add(node, t, `after ${delay}`, false);
    }
    // Root-level transitions apply to every state that does not handle the event itself.
    if (node.type !== "final") {
      for (const [eventType, list] of rootNode.transitions) {
        if (own.has(eventType)) continue;
        const manual = def.manualEvents.includes(eventType);
        if (manual && !manualEvents.includes(eventType)) manualEvents.push(eventType);
        for (const t of list) add(node, t, eventType, manual);
      }
    }
    const { display, flags } = readStateMeta(node.key, node.meta);
    states.push({ name: node.key, display, flags: [...flags], manualEvents });
  }

  const initial = root.initial?.target?.[0]?.key;
  if (typeof initial !== "string") throw new Error(`process ${def.id} has no initial state`);

  const lines = ["stateDiagram-v2"];
  for (const s of states) lines.push(`  state "${mermaidText(s.display)}" as ${mermaidId(s.name)}`);
  lines.push(`  [*] --> ${mermaidId(initial)}`);
  for (const t of transitions) {
    let label = t.event;
    if (t.guard) label += ` [${t.guard}]`;
    if (t.commands.length) label += ` / ${t.commands.join(", ")}`;
    lines.push(`  ${mermaidId(t.from)} --> ${mermaidId(t.to)} : ${mermaidText(label)}`);
  }
  for (const node of nodes)
    if (node.type === "final") lines.push(`  ${mermaidId(node.key)} --> [*]`);

  return {
    id: knownProcess(def.id),
    name: def.name,
    version: def.version,
    initial,
    states,
    transitions,
    mermaid: `${lines.join("\n")}\n`,
    displayNames: displayNamesOf({
      events: [...def.manualEvents, WINDOW_CLOSED_EVENT],
      commands: Object.keys(def.commands),
      delays: transitions.flatMap((t) => (t.event.startsWith("after ") ? [t.event.slice(6)] : [])),
    }),
  };
}
