import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { OrderView } from "../api";
import { describeError } from "../errors";
import { dateTime, money } from "../format";
import type { OrderActions } from "../order-actions";
import { useCanChange } from "../session";
import { useTRPC } from "../trpc";
import { Alert } from "./notice";

export type Format = "html" | "ubl";

export const FORMAT_LABEL: Record<Format, string> = { html: "HTML", ubl: "XML (UBL e-invoice)" };
const EXTENSION: Record<Format, string> = { html: "html", ubl: "xml" };

const kilobytes = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024)).toLocaleString()} kB`;

/**
 * Downloads a document of an invoice or credit note: fetched through the API (the bearer token
 * never goes into a URL), handed to the browser as a file.
 */
export function useDownload() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const download = async (reference: string, format: Format) => {
    setError(null);
    try {
      const document = await queryClient.fetchQuery(
        trpc.invoices.document.queryOptions({ reference, format }),
      );
      const url = URL.createObjectURL(new Blob([document.content], { type: document.contentType }));
      const link = window.document.createElement("a");
      link.href = url;
      link.download = `${reference}.${EXTENSION[format]}`;
      link.click();
      // Revoked after the click has handed the file over.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e);
    }
  };
  return { download, error };
}

/**
 * The order's invoice: its documents (the printable HTML in a sandboxed frame, both files to
 * download), mailing it again, and the credit notes issued against it.
 */
export function InvoiceSection({ view, actions }: { view: OrderView; actions: OrderActions }) {
  const trpc = useTRPC();
  const canChange = useCanChange();
  const titleId = useId();
  const creditsId = useId();
  const [open, setOpen] = useState(false);
  const { download, error: downloadError } = useDownload();
  const invoice = view.invoice;
  // Loaded when the invoice is opened: a large order's document is megabytes.
  const details = useQuery(
    trpc.invoices.get.queryOptions(
      { reference: invoice?.reference ?? "" },
      { enabled: open && invoice !== null },
    ),
  );
  const size = (format: Format) => details.data?.documents.find((d) => d.format === format)?.size;
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>Invoice</h2>
      {invoice === null ? (
        <p>
          No invoice yet. “Generate invoice” issues one once items are confirmed; it appears here
          when the invoice is numbered and mailed.
        </p>
      ) : (
        <>
          <p>
            {invoice.reference}, issued {dateTime(invoice.issuedAt)}
            {details.data?.mailedAt ? `, last mailed ${dateTime(details.data.mailedAt)}` : ""}.
          </p>
          <div className="actions">
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? "Hide invoice" : "View invoice"}
            </button>
            {(["html", "ubl"] as const).map((format) => {
              const bytes = size(format);
              return (
                <button
                  key={format}
                  type="button"
                  className="quiet"
                  onClick={() => download(invoice.reference, format)}
                >
                  Download {FORMAT_LABEL[format]}
                  {bytes === undefined ? "" : `, ${kilobytes(bytes)}`}
                </button>
              );
            })}
            {canChange && (
              <button
                type="button"
                className="quiet"
                disabled={actions.busy}
                onClick={() => actions.resendInvoice(invoice.reference)}
              >
                Resend invoice
              </button>
            )}
          </div>
          {downloadError ? <Alert>{describeError(downloadError)}</Alert> : null}
          {open && details.error && <Alert>{describeError(details.error)}</Alert>}
          {open && details.isPending && <p role="status">Loading the invoice…</p>}
          {open && details.data && (
            // No scripts, no same origin: the document is shown, never run.
            <iframe
              className="invoice"
              title={`Invoice ${invoice.reference}`}
              sandbox=""
              srcDoc={details.data.html}
            />
          )}
          <h3 id={creditsId}>Credit notes</h3>
          {invoice.creditNotes.length === 0 ? (
            <p>
              None. Money of this invoice that is later cancelled or refunded gets a credit note
              here.
            </p>
          ) : (
            <table aria-labelledby={creditsId}>
              <thead>
                <tr>
                  <th scope="col">Credit note</th>
                  <th scope="col">Issued</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Documents</th>
                </tr>
              </thead>
              <tbody>
                {invoice.creditNotes.map((c) => (
                  <tr key={c.reference}>
                    <td>{c.reference}</td>
                    <td>{dateTime(c.issuedAt)}</td>
                    <td className="num">{money(c.grandTotal, view.currency)}</td>
                    <td>
                      {(["html", "ubl"] as const).map((format) => (
                        <button
                          key={format}
                          type="button"
                          className="quiet"
                          aria-label={`Download ${c.reference} ${FORMAT_LABEL[format]}`}
                          onClick={() => download(c.reference, format)}
                        >
                          {format === "html" ? "HTML" : "XML"}
                        </button>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
