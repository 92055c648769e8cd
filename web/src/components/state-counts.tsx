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
