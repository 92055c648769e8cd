import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { errorIdOf, INTERNAL_ERROR_MESSAGE } from "../domain/internal-error";
import { describeIssues, type IssueLike } from "../domain/issues";
import { limits } from "../domain/limits";
import type { Role } from "../domain/principal";
import { type Failure, failure } from "../domain/result";
import type { Context, Principal } from "./context";

const pathKey = z.union([z.string(), z.number(), z.symbol()]);

/** What a procedure declares about itself: the roles that may call it (the OpenAPI document). */
export interface ProcedureMeta {
  roles?: readonly Role[];
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // No stack ever reaches a caller, and bad input names the field.
    errorFormatter({ shape, error }) {
      const { stack: _stack, ...data } = shape.data;
      // A fault of ours: its text stays in the log (index.ts onError), the caller gets its id.
      if (data.httpStatus >= 500)
        return {
          ...shape,
          message: INTERNAL_ERROR_MESSAGE,
          data: { ...data, errorId: errorIdOf(error) },
        };
      const cause = error.cause;
      const listed =
        error.code === "BAD_REQUEST" && cause && "issues" in cause
          ? issueList.safeParse(cause.issues)
          : undefined;
      const issues: IssueLike[] | undefined = listed?.success ? listed.data : undefined;
      const details = cause && "details" in cause ? cause.details : undefined;
      return {
        ...shape,
        // People read the message: which fields are wrong and why, not zod's issues as JSON.
        message: issues
          ? describeIssues(issues)
          : error.message === TRPC_BATCH_TOO_LARGE
            ? batchTooLarge
            : shape.message,
        data: {
          ...data,
          ...(issues ? { issues } : {}),
          ...(details ? { details } : {}),
        },
      };
    },
  });

/** The issues zod (or tRPC's Standard Schema) put on a BAD_REQUEST, as they are handed on. */
const issueList = z.array(
  z.looseObject({
    path: z.array(z.union([pathKey, z.object({ key: pathKey })])).optional(),
    message: z.string(),
  }),
) satisfies z.ZodType<IssueLike[]>;

// tRPC's words for a batch over `maxBatchSize` (index.ts); ours say what the limit is.
const TRPC_BATCH_TOO_LARGE = "Batch call exceeds maximum size";
const batchTooLarge = `a batch request may hold at most ${limits.maxBatchCalls} calls; send the rest in another request`;

export const router = t.router;

const withRoles = (...allowed: Role[]) =>
  t.procedure.meta({ roles: allowed }).use(({ ctx, next }) => {
    if (!ctx.principal)
      throw new TRPCError({
        code: "UNAUTHORIZED",
        message: `a valid bearer token is required: ${ctx.authRefusal ?? "none was sent"}`,
      });
    if (!allowed.includes(ctx.principal.role))
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `role ${ctx.principal.role} may not call this; allowed: ${allowed.join(", ")}`,
      });
    const principal: Principal = ctx.principal;
    return next({ ctx: { ...ctx, principal } });
  });

/** Anyone, signed in or not (exchanging a sign-in code for a token). */
export const publicProcedure = t.procedure;
/** The checkout service: places orders. */
export const checkoutProcedure = withRoles("checkout");
/** Back office changes: events, edits, retries, imports, money (never `support`). */
export const backofficeProcedure = withRoles("backoffice");
/** Staff reads: what the back office shows, for `backoffice` and the read-only `support`. */
export const staffProcedure = withRoles("backoffice", "support");
/** Anyone with a valid token, whatever the role. */
export const signedInProcedure = withRoles("customer", "checkout", "backoffice", "support");
/** A customer (its own orders only) or staff, reading. */
export const customerOrStaffProcedure = withRoles("customer", "backoffice", "support");
/** A customer (its own orders only) or the back office, changing. */
export const customerOrBackofficeProcedure = withRoles("customer", "backoffice");
/** The checkout service (a storefront's availability) or staff. */
export const checkoutOrStaffProcedure = withRoles("checkout", "backoffice", "support");

export const mergeRouters = t.mergeRouters;

/** Carries a Durable Object's failure value into a TRPCError with its details. */
export class DomainError extends TRPCError {
  readonly details?: Record<string, unknown>;
  constructor(failure: Failure) {
    super({
      code: failure.code,
      message: failure.message,
      cause: Object.assign(new Error(failure.message), { details: failure.details }),
    });
    this.details = failure.details;
  }
}

/** Unwraps a DO result: returns the value or throws the mapped TRPCError. */
export function unwrap<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (succeeded(result)) return result;
  // What the Durable Object answered, checked as it enters the Worker.
  throw new DomainError(failure.parse(result));
}

const succeeded = <R extends { ok: boolean }>(result: R): result is Extract<R, { ok: true }> =>
  result.ok;

/** BAD_REQUEST for one field the schema could not judge alone; shaped like zod's issues. */
export function badInput(path: (string | number)[], message: string): TRPCError {
  const issues = [{ code: "custom", path, message }];
  return new TRPCError({
    code: "BAD_REQUEST",
    message: `${path.join(".")}: ${message}`,
    cause: Object.assign(new Error(message), { issues }),
  });
}
