import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createSignInCode, redeemSignInCode } from "../db/sign-in-codes";
import { parseDuration } from "../domain/duration";
import type { Session, SignInCode } from "../domain/sign-in";
import { publicProcedure, router, staffProcedure } from "./trpc";

/**
 * Sign-in links for the back office without a token in a URL: the link carries a one-time
 * code, which the app exchanges for its token with a POST (`auth.signIn`).
 */
export const authRouter = router({
  /** A one-time code that signs the caller in once, within five minutes (back office). */
  createSignInCode: staffProcedure
    .input(z.strictObject({}).optional())
    .mutation(({ ctx }): Promise<SignInCode> => createSignInCode(ctx.db, ctx.principal)),

  /** The code of a sign-in link for a bearer token (8 hours, at most TOKEN_MAX_TTL); once. */
  signIn: publicProcedure
    .input(
      z.strictObject({ code: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "not a sign-in code") }),
    )
    .mutation(async ({ ctx, input }): Promise<Session> => {
      const session = await redeemSignInCode(ctx.db, input.code, {
        secret: ctx.env.JWT_SECRET,
        maxTtlMs: parseDuration(ctx.env.TOKEN_MAX_TTL || "24 hours"),
      });
      if (!session)
        throw new TRPCError({
          code: "UNAUTHORIZED",
          message: "code: this sign-in link was used already or has expired; get a new one",
        });
      return session;
    }),
});
