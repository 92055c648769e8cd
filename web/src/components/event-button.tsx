import type { ManualEvent } from "../api";

/**
 * A button for an event: it shows the process's label ("Mark as paid"), and its accessible name
 * starts with the event's own name ("pay: Mark as paid I1"), which scripts, tests and screen
 * reader users who know the events find it by; the label stays part of that name.
 */
export function EventButton({
  event,
  label,
  suffix,
  disabled,
  onClick,
}: {
  event: ManualEvent;
  label: string;
  /** Says what the event applies to: "I1", "all items of the order…". */
  suffix: string;
  disabled: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      aria-label={`${event}: ${label} ${suffix}`}
      disabled={disabled}
      onClick={onClick}
    >
      {label}
    </button>
  );
}
