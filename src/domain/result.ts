import { z } from "zod";
import { type JsonObject, jsonObject } from "./json";

/** Error codes shared by the Durable Objects, the router and the webhooks. */
export const errorCode = z.enum([
  "BAD_REQUEST",
  "NOT_FOUND",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "FORBIDDEN",
  "INTERNAL_SERVER_ERROR",
]);
export type ErrorCode = z.infer<typeof errorCode>;

/** An expected refusal, as a value: what the order object answers, and remembers for replays. */
export const failure = z.object({
  ok: z.literal(false),
  code: errorCode,
  message: z.string(),
  details: jsonObject.optional(),
});
export type Failure = z.infer<typeof failure>;

/** Expected outcomes cross the Durable Object boundary as values: error classes do not survive RPC. */
export type Result<T> = ({ ok: true } & T) | Failure;

export const fail = (code: ErrorCode, message: string, details?: JsonObject): Failure =>
  details ? { ok: false, code, message, details } : { ok: false, code, message };
