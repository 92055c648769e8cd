import { type ReactNode, useEffect, useId, useRef } from "react";

/**
 * A modal `<dialog>`: the browser keeps focus inside, Escape closes it, and focus returns to
 * what opened it. `onClose` runs however it closes.
 */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    return () => {
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      // `close` arrives a task after the dialog closed. In React's development mode every
      // effect is run, cleaned up and run again on mount, so the dialog is open again by then:
      // only a dialog that stayed closed was closed by the person.
      onClose={() => {
        if (!ref.current?.open) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/**
 * A dialog's row of buttons: its main action(s) first, then the quiet button that leaves the
 * dialog without doing anything (`dismiss`, "Cancel" unless said otherwise).
 */
export function DialogActions({
  onDismiss,
  dismiss = "Cancel",
  children,
}: {
  onDismiss: () => void;
  dismiss?: string;
  children?: ReactNode;
}) {
  return (
    <div className="actions">
      {children}
      <button type="button" className="quiet" onClick={onDismiss}>
        {dismiss}
      </button>
    </div>
  );
}
