import { z } from "zod";
import {
  COUNTRY_CODES,
  CURRENCY_CODES,
  EAS_CODES,
  UNIT_CODES,
  VAT_CATEGORY_CODES,
  VATEX_CODES,
} from "./einvoice-codes";
import { text, wellFormed } from "./text";

// What the e-invoice (EN 16931) needs of an order beyond prices: VAT categories and their
// exemption reasons, unit codes, the buyer's identifiers. Codes are checked against the lists the
// official rules use (einvoice-codes.ts, generated from them), so placement refuses what a
// receiver would refuse.

/**
 * VAT categories (UNCL5305) an order may use: S standard rate, Z zero rated, E exempt, AE reverse
 * charge, K intra-community supply, G export outside the EU, O not subject to VAT, L Canary
 * Islands (IGIC), M Ceuta and Melilla (IPSI). (B, Italian split payment, is not offered.)
 */
export const TAX_CATEGORIES = ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];
for (const c of TAX_CATEGORIES)
  if (!VAT_CATEGORY_CODES.has(c)) throw new Error(`VAT category ${c} is not in UNCL5305`);
export const taxCategory = z.enum(TAX_CATEGORIES);

/** Categories whose rate is 0 by definition (EN 16931 BR-Z/E/AE/K/G/O-05). */
export const ZERO_RATED: ReadonlySet<TaxCategory> = new Set(["Z", "E", "AE", "K", "G", "O"]);
/** Categories that need an exemption reason text or VATEX code (BR-E/AE/IC/G/O-10). */
export const NEEDS_EXEMPTION: ReadonlySet<TaxCategory> = new Set(["E", "AE", "K", "G", "O"]);
/** Categories that need the buyer's VAT id (BR-AE-02, BR-IC-02). */
export const NEEDS_BUYER_VAT_ID: ReadonlySet<TaxCategory> = new Set(["AE", "K"]);

/** The category of a line stored before categories existed: S above 0 %, Z at 0 %. */
export const defaultCategory = (rate: number): TaxCategory => (rate > 0 ? "S" : "Z");

/** The category a placement gives a rate when none is named: S above 0 %; 0 % needs one. */
export const categoryFor = (rate: number, named: TaxCategory | undefined) =>
  named ?? (rate > 0 ? "S" : undefined);

/** Why a category and rate do not go together, or null. */
export function categoryRateProblem(category: TaxCategory, rate: number): string | null {
  if (category === "S" && rate <= 0) return "category S (standard rate) needs a rate above 0";
  if (ZERO_RATED.has(category) && rate !== 0) return `category ${category} needs a rate of 0`;
  return null;
}

/** An exemption: the text or VATEX code that says why a category carries no VAT. */
export interface TaxExemption {
  reason?: string | undefined;
  code?: string | undefined;
}

export const vatexCode = wellFormed()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => VATEX_CODES.has(s), "must be a VATEX code such as VATEX-EU-IC");

export const unitCode = wellFormed()
  .trim()
  .refine(
    (s) => UNIT_CODES.has(s),
    "must be a UN/ECE Recommendation 20/21 unit code such as C62 (piece), KGM, MTR, H87",
  );

/** ISO 3166-1 alpha-2 as the rules' code list has it (and 1A, Kosovo). */
export const isCountry = (code: string) => COUNTRY_CODES.has(code);
export const countryCode = wellFormed().refine(
  isCountry,
  "must be an ISO 3166-1 alpha-2 code such as DE",
);

/** A VAT id with its country prefix (Greece: EL), e.g. DE123456789. */
export const vatId = wellFormed()
  .transform((s) => s.replace(/[\s.-]/g, "").toUpperCase())
  .refine(
    (s) =>
      /^[A-Z]{2}[0-9A-Z+*]{2,13}$/.test(s) &&
      (COUNTRY_CODES.has(s.slice(0, 2)) || s.startsWith("EL") || s.startsWith("XI")),
    "must be a VAT id with its country prefix, such as DE123456789",
  );

/** An electronic address (EN 16931 BT-34/BT-49): its EAS scheme and the id in it. */
export const electronicAddress = z.strictObject({
  scheme: wellFormed()
    .trim()
    .refine(
      (s) => EAS_CODES.has(s),
      'must be an EAS code: "EM" e-mail, "0204" Leitweg-ID, "9930" DE VAT …',
    ),
  id: text(200).refine((s) => s.length > 0, "must not be empty"),
});
export type ElectronicAddress = z.infer<typeof electronicAddress>;

/** The buyer's identifiers on the e-invoice (all optional). */
export const buyer = z.strictObject({
  vatId: vatId.optional(),
  /** BT-10, e.g. a Leitweg-ID for German public buyers. */
  reference: text(200)
    .refine((s) => s.length > 0, "must not be empty")
    .optional(),
  electronicAddress: electronicAddress.optional(),
});
export type Buyer = z.infer<typeof buyer>;

/** The exemption fields a line or a shipping method may carry. */
export const exemptionFields = {
  taxCategory: taxCategory.optional(),
  taxExemptionReason: text(500)
    .refine((s) => s.length > 0, "must not be empty")
    .optional(),
  taxExemptionReasonCode: vatexCode.optional(),
};

// ---------------------------------------------------------------- currencies

/** ISO 4217 minor units where they are not 2 (the rest of the list has 2). */
const ZERO_DECIMALS = new Set(
  "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(" "),
);
const MORE_DECIMALS = new Set("BHD CLF IQD JOD KWD LYD OMR TND UYW".split(" "));
/** Funds, metals and testing codes: no minor unit at all. */
const NO_DECIMALS_DEFINED = new Set(
  "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX BOV CHE CHW COU MXV USN".split(" "),
);

/** The currency's exponent (EUR 2, JPY 0), or null when orders may not use it. */
export function currencyExponent(currency: string): number | null {
  if (!CURRENCY_CODES.has(currency) || NO_DECIMALS_DEFINED.has(currency)) return null;
  if (MORE_DECIMALS.has(currency)) return null;
  return ZERO_DECIMALS.has(currency) ? 0 : 2;
}

/** Minor units as the decimal string a document carries: 1234 EUR -> "12.34", 1234 JPY -> "1234". */
export function decimal(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** The unit of a quantity when the placement names none: C62, "one" (a piece). */
export const DEFAULT_UNIT_CODE = "C62";
