import { z } from "zod";

/**
 * JSON values as history data and outbox payloads hold them. Bounded in depth on purpose:
 * a recursive JSON type sends the Workers RPC type mapping into infinite instantiation.
 */
export type JsonScalar = string | number | boolean | null;
type Json1 = JsonScalar | JsonScalar[] | { [key: string]: JsonScalar | JsonScalar[] };
type Json2 = Json1 | Json1[] | { [key: string]: Json1 | Json1[] };
export type JsonObject = { [key: string]: Json2 | Json2[] };

/** Stored JSON objects, checked as objects; their insides were written by this service. */
export const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;
