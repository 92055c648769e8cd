import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "../trpc";

/** Every state of every process (by name, with its display name), for filters and labels. */
export function useStateNames() {
  const trpc = useTRPC();
  const processes = useQuery(trpc.processes.list.queryOptions(undefined, { staleTime: Infinity }));
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const p of processes.data ?? [])
      for (const s of p.states) if (!names.has(s.name)) names.set(s.name, s.display);
    return {
      states: [...names].map(([name, display]) => ({ name, display })),
      display: (state: string) => names.get(state) ?? state,
    };
  }, [processes.data]);
}

/** "2 payment pending · 1 paid". */
export function StateCounts({
  counts,
  display,
}: {
  counts: Record<string, number>;
  display: (state: string) => string;
}) {
  return (
    <ul className="counts">
      {Object.entries(counts).map(([state, n]) => (
        <li key={state}>
          <span className="n">{n.toLocaleString()}</span> {display(state)}
        </li>
      ))}
    </ul>
  );
}
