import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "wouter";
import { FORMAT_LABEL, useDownload } from "../components/invoice-section";
import { Alert } from "../components/notice";
import { Pager, useCursors } from "../components/pager";
import { describeError } from "../errors";
import { dateTime, money } from "../format";
import { useTRPC } from "../trpc";

const TYPES = { invoice: "Invoice", "credit-note": "Credit note" } as const;
type DocumentType = keyof typeof TYPES;
const isType = (s: string): s is DocumentType => Object.hasOwn(TYPES, s);

/** Every invoice and credit note, newest first, with both documents (printable HTML, UBL XML). */
export function InvoicesPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const order = params.get("order") ?? "";
  const typeParam = params.get("type") ?? "";
  const type = isType(typeParam) ? typeParam : undefined;
  const [draft, setDraft] = useState({ order, type: type ?? "" });
  const cursors = useCursors();
  const { reset } = cursors;
  useEffect(() => {
    setDraft({ order, type: type ?? "" });
    reset();
  }, [order, type, reset]);
  const list = useQuery(
    trpc.invoices.list.queryOptions({
      limit: 50,
      ...(order ? { orderReference: order } : {}),
      ...(type ? { type } : {}),
      ...(cursors.cursor ? { cursor: cursors.cursor } : {}),
    }),
  );
  const { download, error: downloadError } = useDownload();

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draft.order.trim()) next.set("order", draft.order.trim());
    if (draft.type) next.set("type", draft.type);
    setParams(next);
  }

  return (
    <>
      <h1>Invoices and credit notes</h1>
      <search aria-label="Find invoices">
        <form className="filters" onSubmit={submit}>
          <label>
            Order reference
            <input
              value={draft.order}
              onChange={(e) => setDraft((d) => ({ ...d, order: e.target.value }))}
            />
          </label>
          <label>
            Type
            <select
              value={draft.type}
              onChange={(e) => setDraft((d) => ({ ...d, type: e.target.value }))}
            >
              <option value="">both</option>
              {Object.entries(TYPES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit">Show</button>
          </div>
        </form>
      </search>
      {list.error && <Alert>{describeError(list.error)}</Alert>}
      {downloadError ? <Alert>{describeError(downloadError)}</Alert> : null}
      {list.isPending && <p role="status">Loading the invoices…</p>}
      {list.data && (
        <>
          <div className="table-wrap">
            <table>
              <caption>Invoices and credit notes, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Type</th>
                  <th scope="col">Order</th>
                  <th scope="col">Issued</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Mailed</th>
                  <th scope="col">Documents</th>
                </tr>
              </thead>
              <tbody>
                {list.data.invoices.length === 0 && (
                  <tr>
                    <td colSpan={7}>None.</td>
                  </tr>
                )}
                {list.data.invoices.map((doc) => (
                  <tr key={doc.reference}>
                    <th scope="row">{doc.reference}</th>
                    <td>
                      {TYPES[doc.type]}
                      {doc.invoiceReference ? (
                        <div className="sub">for {doc.invoiceReference}</div>
                      ) : null}
                    </td>
                    <td>
                      <Link href={`/orders/${doc.orderReference}`}>{doc.orderReference}</Link>
                    </td>
                    <td>{dateTime(doc.issuedAt)}</td>
                    <td className="num">
                      {doc.grandTotal === null ? "—" : money(doc.grandTotal, doc.currency)}
                    </td>
                    <td>{doc.mailedAt ? dateTime(doc.mailedAt) : "not yet"}</td>
                    <td>
                      {(["html", "ubl"] as const).map((format) => (
                        <button
                          key={format}
                          type="button"
                          className="quiet"
                          aria-label={`${format === "html" ? "HTML" : "XML"}: download ${doc.reference} ${FORMAT_LABEL[format]}`}
                          onClick={() => download(doc.reference, format)}
                        >
                          {format === "html" ? "HTML" : "XML"}
                        </button>
                      ))}
                    </td>
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
