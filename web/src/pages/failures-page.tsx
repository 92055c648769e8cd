import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { Alert, Status } from "../components/notice";
import { Pager, useCursors } from "../components/pager";
import { describeError } from "../errors";
import { dateTime } from "../format";
import { useCanChange } from "../session";
import { useTRPC } from "../trpc";

/** What an effect does, for people. */
const EFFECTS: Record<string, string> = {
  mail: "Order confirmation mail",
  invoice: "Invoice job",
  "credit-note": "Credit note job",
  erp: "ERP delivery",
};

type Feedback = { ok: boolean; text: string } | null;

/**
 * What failed and stayed failed, with why: effects of orders that ran out of attempts (a mail, an
 * invoice job, an ERP delivery) and jobs that ended in the dead-letter queue. Each is retried
 * from here once its cause is fixed; nothing is dropped silently.
 */
export function FailuresPage() {
  const [feedback, setFeedback] = useState<Feedback>(null);
  return (
    <>
      <h1>Failures</h1>
      <div className="feedback">
        {feedback &&
          (feedback.ok ? <Status>{feedback.text}</Status> : <Alert>{feedback.text}</Alert>)}
      </div>
      <DeadEffects say={setFeedback} />
      <DeadLetters say={setFeedback} />
    </>
  );
}

function DeadEffects({ say }: { say: (f: Feedback) => void }) {
  const trpc = useTRPC();
  const cursors = useCursors();
  const dead = useQuery(
    trpc.outbox.dead.queryOptions(
      { limit: 20, ...(cursors.cursor ? { cursor: cursors.cursor } : {}) },
      { refetchInterval: 10_000 },
    ),
  );
  return (
    <section aria-labelledby="dead-effects" className="panel">
      <h2 id="dead-effects">Dead effects</h2>
      <p className="hint">
        Effects of orders that ran out of attempts, most recently changed orders first.
      </p>
      {dead.error && <Alert>{describeError(dead.error)}</Alert>}
      {dead.isPending && <p role="status">Loading…</p>}
      {dead.data?.orders.length === 0 && <p>None: every effect went through.</p>}
      {dead.data?.orders.map((o) => (
        <OrderEffects key={o.reference} reference={o.reference} updatedAt={o.updatedAt} say={say} />
      ))}
      {dead.data && (
        <Pager cursors={cursors} nextCursor={dead.data.nextCursor} label="Pages of dead effects" />
      )}
    </section>
  );
}

function OrderEffects({
  reference,
  updatedAt,
  say,
}: {
  reference: string;
  updatedAt: string;
  say: (f: Feedback) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCanChange();
  // From the order's object: the effects as they stand, with their last errors.
  const effects = useQuery(trpc.outbox.list.queryOptions({ orderReference: reference }));
  const retry = useMutation(
    trpc.outbox.retry.mutationOptions({
      onSuccess: async (effect) => {
        say({ ok: true, text: `${EFFECTS[effect.kind] ?? effect.kind} of ${reference} retried.` });
        await queryClient.invalidateQueries({ queryKey: trpc.outbox.pathKey() });
      },
      onError: (e) => say({ ok: false, text: describeError(e) }),
    }),
  );
  const dead = (effects.data ?? []).filter((e) => e.status === "dead");
  return (
    <div className="table-wrap">
      <table>
        <caption>
          <Link href={`/orders/${reference}`}>{reference}</Link>{" "}
          <span className="sub">changed {dateTime(updatedAt)}</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Effect</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Last attempt</th>
            <th scope="col">Why it failed</th>
            {canChange && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {effects.isPending && (
            <tr>
              <td colSpan={canChange ? 5 : 4}>Loading…</td>
            </tr>
          )}
          {dead.map((e) => (
            <tr key={e.id}>
              <th scope="row">{EFFECTS[e.kind] ?? e.kind}</th>
              <td className="num">{e.attempts}</td>
              <td>{e.lastAttemptAt ? dateTime(e.lastAttemptAt) : "—"}</td>
              <td className="error-text">{e.lastError ?? "—"}</td>
              {canChange && (
                <td>
                  <button
                    type="button"
                    disabled={retry.isPending}
                    aria-label={`Retry ${EFFECTS[e.kind] ?? e.kind} of ${reference}`}
                    onClick={() => retry.mutate({ orderReference: reference, id: e.id })}
                  >
                    Retry
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A dead letter's job in words: its fields as "name value", never as JSON. */
function jobText(body: unknown): string {
  if (typeof body !== "object" || body === null) return String(body);
  return Object.entries(body)
    .map(([key, value]) => `${key.replace(/([A-Z])/g, " $1").toLowerCase()} ${String(value)}`)
    .join(", ");
}

function DeadLetters({ say }: { say: (f: Feedback) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCanChange();
  const cursors = useCursors();
  const letters = useQuery(
    trpc.deadLetters.list.queryOptions(
      { limit: 20, ...(cursors.cursor ? { cursor: cursors.cursor } : {}) },
      { refetchInterval: 10_000 },
    ),
  );
  const retry = useMutation(
    trpc.deadLetters.retry.mutationOptions({
      onSuccess: async (r) => {
        say({ ok: true, text: `Job ${r.id} is back on its queue.` });
        await queryClient.invalidateQueries({ queryKey: trpc.deadLetters.pathKey() });
      },
      onError: (e) => say({ ok: false, text: describeError(e) }),
    }),
  );
  const rows = letters.data?.deadLetters ?? [];
  return (
    <section aria-labelledby="dead-letters" className="panel">
      <h2 id="dead-letters">Dead letters</h2>
      <p className="hint">Queue jobs that ended in the dead-letter queue, newest first.</p>
      {letters.error && <Alert>{describeError(letters.error)}</Alert>}
      {letters.data && rows.length === 0 && <p>None.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Dead letters</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Queue</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Received</th>
                <th scope="col">Why it failed</th>
                {canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{jobText(r.body)}</th>
                  <td>{r.queue}</td>
                  <td className="num">{r.attempts}</td>
                  <td>{dateTime(r.receivedAt)}</td>
                  <td className="error-text">{r.lastError ?? "not known"}</td>
                  {canChange && (
                    <td>
                      <button
                        type="button"
                        disabled={retry.isPending}
                        aria-label={`Retry job ${jobText(r.body)}`}
                        onClick={() => retry.mutate({ id: r.id })}
                      >
                        Retry
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {letters.data && (
        <Pager
          cursors={cursors}
          nextCursor={letters.data.nextCursor}
          label="Pages of dead letters"
        />
      )}
    </section>
  );
}
