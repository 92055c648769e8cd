import { z } from "zod";

/** Sign-in links for the back office: a one-time code, exchanged for a bearer token. */

export const signInCode = z.object({ code: z.string(), expiresAt: z.string() });
export interface SignInCode extends z.infer<typeof signInCode> {}

export const session = z.object({ token: z.string(), expiresAt: z.string() });
export interface Session extends z.infer<typeof session> {}
