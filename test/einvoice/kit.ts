/**
 * The e-invoice conformance kit: the official rules a receiver runs (the OASIS UBL 2.1 schema and
 * CEN/TC 434's EN 16931 business rules, optionally Germany's XRechnung rules) with a ready
 * validator, `validate.mjs`. It is kept beside the repository, not in it: `EN16931_RULES_DIR`
 * names its folder, by default `../shared/einvoice`. A missing kit fails these tests with a
 * message saying where the official files come from; they never skip silently.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface Finding {
  id: string;
  text: string;
  location: string;
}

export interface Validation {
  ok: boolean;
  root: "Invoice" | "CreditNote";
  schemaErrors: string[];
  fatal: Finding[];
  warnings: Finding[];
  xrechnung?: { fatal: Finding[]; warnings: Finding[] };
}

interface Validator {
  validateUbl(
    xml: string,
    fileName?: string,
    options?: { xrechnung?: boolean },
  ): Promise<Validation>;
}

const root = resolve(import.meta.dirname, "../..");

export const kitDir = resolve(root, process.env.EN16931_RULES_DIR ?? "../shared/einvoice");

let validator: Promise<Validator> | undefined;

/** The kit's validator; throws, naming where the official files come from, when it is missing. */
export function loadValidator(): Promise<Validator> {
  validator ??= (async () => {
    const script = join(kitDir, "validate.mjs");
    if (!existsSync(script))
      throw new Error(
        `the e-invoice conformance kit is missing: ${script} does not exist. Set EN16931_RULES_DIR ` +
          "to a folder with validate.mjs, ubl-2.1/xsd/ (the OASIS UBL 2.1 schemas, " +
          "docs.oasis-open.org/ubl/os-UBL-2.1) and rules/ (CEN/TC 434's EN 16931 UBL rules, " +
          "github.com/ConnectingEurope/eInvoicing-EN16931, and KoSIT's XRechnung schematron, " +
          "github.com/itplr-kosit/xrechnung-schematron); docs/invoices.md says how.",
      );
    // validate.mjs resolves saxon-js and xmllint-wasm from this project (devDependencies).
    process.env.EINVOICE_DEPS_DIR ??= root;
    return (await import(pathToFileURL(script).href)) as Validator;
  })();
  return validator;
}

/** Validates a document; the result's findings are in the assertion message when it fails. */
export async function validate(xml: string, options: { xrechnung?: boolean } = {}) {
  const { validateUbl } = await loadValidator();
  return validateUbl(xml, "document.xml", options);
}

/** A short report of what failed, for assertion messages. */
export const findings = (v: Validation) =>
  JSON.stringify(
    {
      schemaErrors: v.schemaErrors,
      fatal: v.fatal.map((f) => `${f.id} ${f.location}: ${f.text}`),
      xrechnung: v.xrechnung?.fatal.map((f) => `${f.id} ${f.location}: ${f.text}`),
    },
    null,
    2,
  );
