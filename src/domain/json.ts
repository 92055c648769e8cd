import { z } from "zod";

/**
 * JSON values as history data and outbox payloads hold them. Bounded in depth on purpose:
 * a recursive JSON type sends the Workers RPC type mapping into infinite instantiation.
 */
export type JsonScalar = string | number | boolean | null;
type Json1 = JsonScalar | JsonScalar[] | { [key: string]: JsonScalar | JsonScalar[] };
type Json2 = Json1 | Json1[] | { [key: string]: Json1 | Json1[] };
export type JsonObject = { [key: string]: Json2 | Json2[] };

const isScalar = (value: unknown): value is JsonScalar =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Whether `value` is JSON nested at most `depth` containers deep, as the types above count them:
 * a level is a scalar, an array of the level below, or an object whose values are the level
 * below or arrays of it (Json1 is level 1, JsonObject an object of level 3).
 */
function isJsonAt(value: unknown, depth: number): boolean {
  if (isScalar(value)) return true;
  if (depth === 0) return false;
  if (Array.isArray(value)) return value.every((v) => isJsonAt(v, depth - 1));
  return isPlainObject(value) && Object.values(value).every((v) => isMember(v, depth));
}

const isMember = (value: unknown, depth: number): boolean =>
  Array.isArray(value) ? value.every((v) => isJsonAt(v, depth - 1)) : isJsonAt(value, depth - 1);

/** A JSON object within the depth `JsonObject` allows. */
export const isJsonObject = (value: unknown): value is JsonObject =>
  isPlainObject(value) && isJsonAt(value, 3);

/** Stored JSON objects (history data, outbox payloads): checked to be JSON within the depth. */
export const jsonObject = z.custom<JsonObject>(isJsonObject, {
  error: "expected a JSON object nested at most three levels",
});
