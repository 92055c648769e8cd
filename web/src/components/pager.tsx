import { useCallback, useMemo, useState } from "react";

/** Cursor paging for a list: the cursors of the pages seen, so "Previous page" needs none. */
export function useCursors() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const next = useCallback((cursor: string) => setCursors((c) => [...c, cursor]), []);
  const previous = useCallback(() => setCursors((c) => c.slice(0, -1)), []);
  const reset = useCallback(() => setCursors([undefined]), []);
  return useMemo(
    () => ({ cursor: cursors.at(-1), page: cursors.length, next, previous, reset }),
    [cursors, next, previous, reset],
  );
}

export function Pager({
  cursors,
  nextCursor,
  label = "Pages",
}: {
  cursors: ReturnType<typeof useCursors>;
  nextCursor: string | null | undefined;
  /** The navigation's name; two lists on one page need two. */
  label?: string;
}) {
  return (
    <nav aria-label={label} className="pager">
      <button type="button" disabled={cursors.page <= 1} onClick={cursors.previous}>
        Previous page
      </button>
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => nextCursor && cursors.next(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
