import type { ReactNode } from "react";

/** Something went wrong: announced at once by screen readers. */
export const Alert = ({ children }: { children: ReactNode }) => (
  <p role="alert" className="notice error">
    {children}
  </p>
);

/** Something happened: announced politely. */
export const Status = ({ children }: { children: ReactNode }) => (
  <p role="status" className="notice ok">
    {children}
  </p>
);
