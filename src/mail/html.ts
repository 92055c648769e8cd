/** Small HTML helpers shared by the mails and the invoice document. */

// Escaping by construction: every interpolation into `html` is escaped unless it is itself
// the output of `html`, so a forgotten escape cannot happen.
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export type Fragment = SafeHtml | string | number | null | undefined | false | readonly Fragment[];

function fragment(value: Fragment): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += fragment(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

export const LOCALE = "en-US";

/** Formats integer minor units in the currency's own number of decimals (JPY 0, EUR 2, KWD 3). */
export function formatMoney(minor: number, currency: string): string {
  let money = moneyFormats.get(currency);
  if (!money) {
    // Building a NumberFormat is costly; there are few currencies.
    const format = new Intl.NumberFormat(LOCALE, { style: "currency", currency });
    money = { format, divisor: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    moneyFormats.set(currency, money);
  }
  return money.format.format(minor / money.divisor);
}
const moneyFormats = new Map<string, { format: Intl.NumberFormat; divisor: number }>();
