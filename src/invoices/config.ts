import { z } from "zod";
import { countryCode, electronicAddress, vatId } from "../domain/einvoice";
import { PAYMENT_MEANS_CODES } from "../domain/einvoice-codes";
import { email, text } from "../domain/text";

/**
 * A configuration the invoicing cannot work with (SELLER, PAYMENT_MEANS, EINVOICE_PROFILE): the
 * job fails at once into the dead-letter queue with this message, before any number is taken,
 * and is sent again (`deadLetters.retry`) once the configuration is fixed.
 */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

const line = (max: number) => text(max).refine((s) => s.length > 0, "must not be empty");

/** The seller as `SELLER` describes it (JSON; docs/invoices.md). */
export const sellerSchema = z.strictObject({
  name: line(200),
  address: z.strictObject({
    address1: line(200),
    address2: line(200).optional(),
    zipCode: line(20),
    city: line(100),
    country: countryCode,
  }),
  /** BT-31: required unless every order is O (not subject to VAT). */
  vatId: vatId.optional(),
  /** BT-32: the national tax number (Steuernummer), e.g. for O or when there is no VAT id. */
  taxNumber: line(50).optional(),
  email: email(),
  phone: line(50).optional(),
  /** BT-34: where receivers reach the seller electronically. */
  electronicAddress,
  /** BT-41..43: the seller's contact (XRechnung requires it). */
  contact: z.strictObject({ name: line(100), phone: line(50), email: email() }).optional(),
  /** Where invoices are paid (BG-17): SEPA credit transfer to this account. */
  bank: z
    .strictObject({
      iban: text(34)
        .transform((s) => s.replace(/\s/g, "").toUpperCase())
        .refine((s) => /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(s), "must be an IBAN"),
      bic: text(11)
        .refine((s) => /^[A-Z0-9]{8}([A-Z0-9]{3})?$/.test(s), "must be a BIC (8 or 11 characters)")
        .optional(),
      accountName: line(200).optional(),
    })
    .optional(),
  /** BT-30: the seller's registration (e.g. "HRB 123456 B"). */
  legalRegistrationId: line(100).optional(),
  /** BT-20 and the due date (BT-9 = issue date + dueDays) of invoices with an amount due. */
  paymentTerms: z
    .strictObject({ text: line(500), dueDays: z.number().int().min(0).max(365) })
    .optional(),
});
export type Seller = z.infer<typeof sellerSchema>;

/** Each issue as `NAME.path: message`, so the error names the field to fix. */
const issuesOf = (name: string, error: z.ZodError) =>
  error.issues.map((i) => `${[name, ...i.path].join(".")}: ${i.message}`).join("; ");

/** Reads a JSON variable; a missing or broken one is a configuration error naming it. */
function readJson(name: string, value: string | undefined): unknown {
  if (value === undefined || value.trim() === "")
    throw new ConfigurationError(`${name} is not set (docs/invoices.md says how to set it)`);
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigurationError(`${name} is not valid JSON`);
  }
}

/** Parses `SELLER`: missing, old-format or invalid is a configuration error naming the field. */
export function parseSeller(value: string | undefined): Seller {
  const raw = readJson("SELLER", value);
  if (
    typeof raw === "object" &&
    raw !== null &&
    (("address" in raw && typeof raw.address === "string") || "taxId" in raw)
  )
    throw new ConfigurationError(
      "SELLER uses the old format (address as one string, taxId): give SELLER.address as { address1, zipCode, city, country }, SELLER.vatId (or taxNumber) and SELLER.electronicAddress { scheme, id } (docs/invoices.md)",
    );
  const parsed = sellerSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigurationError(`SELLER is invalid: ${issuesOf("SELLER", parsed.error)}`);
  return parsed.data;
}

/** How a payment method is paid: its UNCL4461 code, and whether it is paid before the invoice. */
export interface PaymentMeans {
  code: string;
  prepaid: boolean;
}

const paymentMeansSchema = z.record(
  z.string(),
  z.strictObject({
    code: z
      .string()
      .refine((c) => PAYMENT_MEANS_CODES.has(c), "must be a UNCL4461 code such as 58 or 30"),
    prepaid: z.boolean(),
  }),
);

export const DEFAULT_PAYMENT_MEANS: Record<string, PaymentMeans> = {
  prepayment: { code: "58", prepaid: true },
  invoice: { code: "58", prepaid: false },
  none: { code: "1", prepaid: false },
};

/** Parses `PAYMENT_MEANS` (wrangler.toml's default when unset). */
export function parsePaymentMeans(value: string | undefined): Record<string, PaymentMeans> {
  if (value === undefined || value.trim() === "") return DEFAULT_PAYMENT_MEANS;
  const parsed = paymentMeansSchema.safeParse(readJson("PAYMENT_MEANS", value));
  if (!parsed.success)
    throw new ConfigurationError(
      `PAYMENT_MEANS is invalid: ${issuesOf("PAYMENT_MEANS", parsed.error)}`,
    );
  return parsed.data;
}

/**
 * The payment means of a method: its own entry, else the `default` entry, else "1" (not
 * defined) and not prepaid.
 */
export const paymentMeansOf = (means: Record<string, PaymentMeans>, method: string) =>
  means[method] ?? means.default ?? { code: "1", prepaid: false };

/** Which rules the documents meet: EN 16931 itself, or Germany's XRechnung 3.0 on top. */
export type EinvoiceProfile = "en16931" | "xrechnung";

export function parseProfile(value: string | undefined): EinvoiceProfile {
  const profile = (value ?? "").trim() || "en16931";
  if (profile !== "en16931" && profile !== "xrechnung")
    throw new ConfigurationError(
      `EINVOICE_PROFILE must be "en16931" or "xrechnung", not ${JSON.stringify(profile)}`,
    );
  return profile;
}

/** Everything the invoicing reads from the configuration, checked before any number is taken. */
export interface InvoicingConfig {
  seller: Seller;
  paymentMeans: Record<string, PaymentMeans>;
  profile: EinvoiceProfile;
  invoicePrefix: string;
  creditNotePrefix: string;
}

export function invoicingConfig(env: Partial<Env>): InvoicingConfig {
  return {
    seller: parseSeller(env.SELLER),
    paymentMeans: parsePaymentMeans(env.PAYMENT_MEANS),
    profile: parseProfile(env.EINVOICE_PROFILE),
    invoicePrefix: env.INVOICE_PREFIX ?? "Invoice-",
    creditNotePrefix: env.CREDIT_NOTE_PREFIX || "CreditNote-",
  };
}
