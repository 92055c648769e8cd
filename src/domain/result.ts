import type { JsonObject } from "./json";

/** Error codes shared by the Durable Objects, the router and the webhooks. */
export type ErrorCode =
  | "BAD_REQUEST"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "FORBIDDEN"
  | "INTERNAL_SERVER_ERROR";

export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  details?: JsonObject;
}

/** Expected outcomes cross the Durable Object boundary as values: error classes do not survive RPC. */
export type Result<T> = ({ ok: true } & T) | Failure;

export const fail = (code: ErrorCode, message: string, details?: JsonObject): Failure =>
  details ? { ok: false, code, message, details } : { ok: false, code, message };
