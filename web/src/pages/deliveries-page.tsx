import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "wouter";
import { runBounded } from "../bounded";
import { Alert, Status } from "../components/notice";
import { Pager, useCursors } from "../components/pager";
import { describeError } from "../errors";
import { dateTime, plural } from "../format";
import { useCanChange } from "../session";
import { useTRPC, useTRPCClient } from "../trpc";

const STATUSES = ["pending", "delivered", "failed"] as const;
type DeliveryStatus = (typeof STATUSES)[number];
const isStatus = (s: string): s is DeliveryStatus => (STATUSES as readonly string[]).includes(s);

/**
 * Order events sent to the ERP: each delivery with its attempts and last error. A failed one
 * (retried for a day and given up) is sent again from here, one or all of an order's.
 */
export function DeliveriesPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const canChange = useCanChange();
  const [params, setParams] = useSearchParams();
  const order = params.get("order") ?? "";
  const statusParam = params.get("status") ?? "";
  const status = isStatus(statusParam) ? statusParam : undefined;
  const [draft, setDraft] = useState({ order, status: status ?? "" });
  const cursors = useCursors();
  const { reset } = cursors;
  useEffect(() => {
    setDraft({ order, status: status ?? "" });
    reset();
  }, [order, status, reset]);
  const input = {
    limit: 50,
    ...(order ? { orderReference: order } : {}),
    ...(status ? { status } : {}),
    ...(cursors.cursor ? { cursor: cursors.cursor } : {}),
  };
  const list = useQuery(trpc.exports.list.queryOptions(input, { refetchInterval: 5_000 }));
  const [feedback, setFeedback] = useState<{ ok: boolean; text: string } | null>(null);
  const done = async (text: string) => {
    setFeedback({ ok: true, text });
    await queryClient.invalidateQueries({ queryKey: trpc.exports.list.queryKey() });
  };
  const retry = useMutation(
    trpc.exports.retry.mutationOptions({
      onSuccess: (d) => done(`Delivery ${d.sequence} of ${d.orderReference} is ${d.status} again.`),
      onError: (e) => setFeedback({ ok: false, text: describeError(e) }),
    }),
  );
  const [retryingAll, setRetryingAll] = useState(false);

  async function retryAllFailed() {
    setRetryingAll(true);
    setFeedback(null);
    // Every failed delivery of the order, not only those on this page.
    const failed = await client.exports.list.query({
      orderReference: order,
      status: "failed",
      limit: 100,
    });
    const outcomes = await runBounded(failed.deliveries, 4, (d) =>
      client.exports.retry.mutate({ id: d.id }),
    );
    const refused = outcomes.filter((o) => o.status === "rejected").length;
    setRetryingAll(false);
    await done(
      `${plural(outcomes.length - refused, "failed delivery", "failed deliveries")} of ${order} sent again${refused ? `; ${refused} refused` : ""}.`,
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draft.order.trim()) next.set("order", draft.order.trim());
    if (draft.status) next.set("status", draft.status);
    setParams(next);
  }

  const deliveries = list.data?.deliveries ?? [];
  const anyFailed = deliveries.some((d) => d.status === "failed");
  return (
    <>
      <h1>ERP deliveries</h1>
      <search aria-label="Find deliveries">
        <form className="filters" onSubmit={submit}>
          <label>
            Order reference
            <input
              value={draft.order}
              onChange={(e) => setDraft((d) => ({ ...d, order: e.target.value }))}
            />
          </label>
          <label>
            Status
            <select
              value={draft.status}
              onChange={(e) => setDraft((d) => ({ ...d, status: e.target.value }))}
            >
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit">Show</button>
          </div>
        </form>
      </search>
      <div className="feedback">
        {feedback &&
          (feedback.ok ? <Status>{feedback.text}</Status> : <Alert>{feedback.text}</Alert>)}
      </div>
      {canChange && order && anyFailed && (
        <p>
          <button type="button" disabled={retryingAll} onClick={retryAllFailed}>
            Retry every failed delivery of {order}
          </button>
        </p>
      )}
      {list.error && <Alert>{describeError(list.error)}</Alert>}
      {list.isPending && <p role="status">Loading the deliveries…</p>}
      {list.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption>
                Deliveries{order ? ` of ${order}` : ""}
                {status ? `, ${status}` : ""}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col" className="num">
                    No.
                  </th>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Next attempt</th>
                  {canChange && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {deliveries.length === 0 && (
                  <tr>
                    <td colSpan={canChange ? 9 : 8}>No deliveries.</td>
                  </tr>
                )}
                {deliveries.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <Link href={`/orders/${d.orderReference}`}>{d.orderReference}</Link>
                    </th>
                    <td className="num">{d.sequence}</td>
                    <td>{d.type}</td>
                    <td className={`status-${d.status}`}>{d.status}</td>
                    <td className="num">{d.attempts}</td>
                    <td>{d.lastAttemptAt ? dateTime(d.lastAttemptAt) : "—"}</td>
                    <td className="error-text">{d.lastError ?? "—"}</td>
                    <td>{d.nextAttemptAt ? dateTime(d.nextAttemptAt) : "—"}</td>
                    {canChange && (
                      <td>
                        {d.status === "failed" && (
                          <button
                            type="button"
                            disabled={retry.isPending || retryingAll}
                            aria-label={`Retry delivery ${d.sequence} of ${d.orderReference}`}
                            onClick={() => retry.mutate({ id: d.id })}
                          >
                            Retry
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager cursors={cursors} nextCursor={list.data.nextCursor} />
        </>
      )}
    </>
  );
}
