import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { OrderView } from "../api";
import { describeError } from "../errors";
import { dateTime } from "../format";
import type { OrderActions } from "../order-actions";
import { useTRPC } from "../trpc";
import { Alert } from "./notice";

/** The order's invoice: its stored document in a sandboxed frame, and mailing it again. */
export function InvoiceSection({ view, actions }: { view: OrderView; actions: OrderActions }) {
  const trpc = useTRPC();
  const titleId = useId();
  const [open, setOpen] = useState(false);
  const invoice = view.invoice;
  const document = useQuery(
    trpc.invoices.get.queryOptions(
      { reference: invoice?.reference ?? "" },
      { enabled: open && invoice !== null },
    ),
  );
  return (
    <section aria-labelledby={titleId} className="panel">
      <h2 id={titleId}>Invoice</h2>
      {invoice === null ? (
        <p>
          No invoice yet. The event <code>invoice-generate</code> issues one once items are
          confirmed; it appears here when the invoice is numbered and mailed.
        </p>
      ) : (
        <>
          <p>
            {invoice.reference}, issued {dateTime(invoice.issuedAt)}
            {document.data?.mailedAt ? `, last mailed ${dateTime(document.data.mailedAt)}` : ""}.
          </p>
          <div className="actions">
            <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? "Hide invoice" : "View invoice"}
            </button>
            <button
              type="button"
              className="quiet"
              disabled={actions.busy}
              onClick={() => actions.resendInvoice(invoice.reference)}
            >
              Resend invoice
            </button>
          </div>
          {open && document.error && <Alert>{describeError(document.error)}</Alert>}
          {open && document.isPending && <p role="status">Loading the invoice…</p>}
          {open && document.data && (
            // No scripts, no same origin: the document is shown, never run.
            <iframe
              className="invoice"
              title={`Invoice ${invoice.reference}`}
              sandbox=""
              srcDoc={document.data.html}
            />
          )}
        </>
      )}
    </section>
  );
}
