import { createContext, useContext } from "react";
import type { Claims } from "./auth";

export interface Session {
  token: string;
  claims: Claims;
  /** Forgets the token; `reason` is shown on the sign-in form. */
  signOut(reason?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

/**
 * Whether the signed-in person may change orders: `backoffice` may, `support` reads and adds
 * notes only. The page hides what the role cannot do; the service refuses it anyway.
 */
export const useCanChange = (): boolean => useSession().claims.role === "backoffice";
