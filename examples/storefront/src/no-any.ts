/**
 * Type-level checks of the package's published types: no `any` hides in any procedure's input
 * or output. Each constant fails to compile, naming the path, if one does.
 */
import type { RouterInputs, RouterOutputs } from "edge-oms-client";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** The paths in T whose type is `any`, as strings; `never` when there is none. */
type AnyPaths<T, Path extends string = "", Depth extends unknown[] = []> =
  IsAny<T> extends true
    ? Path extends ""
      ? "(the whole type)"
      : Path
    : Depth["length"] extends 10
      ? never
      : T extends readonly (infer Element)[]
        ? AnyPaths<Element, `${Path}[]`, [...Depth, 0]>
        : T extends object
          ? { [K in keyof T & string]-?: AnyPaths<T[K], `${Path}.${K}`, [...Depth, 0]> }[keyof T &
              string]
          : never;

type Clean<T> = [AnyPaths<T>] extends [never] ? true : AnyPaths<T>;

export const outputsHaveNoAny: Clean<RouterOutputs> = true;
export const inputsHaveNoAny: Clean<RouterInputs> = true;
