import type { Address, Method } from "../api";

const ADDRESS_FIELDS: [keyof Address, string, boolean][] = [
  ["firstName", "First name", true],
  ["lastName", "Last name", true],
  ["company", "Company", false],
  ["address1", "Street and number", true],
  ["address2", "Address line 2", false],
  ["zipCode", "Zip code", true],
  ["city", "City", true],
  ["country", "Country (ISO code, e.g. DE)", true],
  ["phone", "Phone", false],
  ["email", "Email", false],
];

export type AddressDraft = Record<keyof Address, string>;

export const addressDraft = (a: Address): AddressDraft =>
  Object.fromEntries(ADDRESS_FIELDS.map(([k]) => [k, a[k] ?? ""])) as AddressDraft;

/** Empty optional fields are left out, so the service never sees "" for "none". */
export function addressFrom(draft: AddressDraft): Address {
  const out: Record<string, string> = {};
  for (const [key] of ADDRESS_FIELDS) {
    const value = draft[key].trim();
    if (value) out[key] = value;
  }
  return out as unknown as Address;
}

export function AddressFields({
  legend,
  value,
  onChange,
}: {
  legend: string;
  value: AddressDraft;
  onChange: (next: AddressDraft) => void;
}) {
  return (
    <fieldset className="grid">
      <legend>{legend}</legend>
      {ADDRESS_FIELDS.map(([key, label, required]) => (
        <label key={key}>
          {label}
          <input
            value={value[key]}
            required={required}
            onChange={(e) => onChange({ ...value, [key]: e.target.value })}
          />
        </label>
      ))}
    </fieldset>
  );
}

export interface MethodDraft {
  id: string;
  name: string;
  carrier: string;
  /** In major units as typed ("4.90"). */
  price: string;
}

export const methodDraft = (m: Method, digits: number): MethodDraft => ({
  id: m.id,
  name: m.name,
  carrier: m.carrier ?? "",
  price: (m.price / 10 ** digits).toFixed(digits),
});

export function methodFrom(draft: MethodDraft, digits: number, taxRate?: number): Method {
  return {
    id: draft.id.trim(),
    name: draft.name.trim(),
    ...(draft.carrier.trim() ? { carrier: draft.carrier.trim() } : {}),
    price: Math.round(Number(draft.price) * 10 ** digits),
    ...(taxRate !== undefined ? { taxRate } : {}),
  };
}

export function MethodFields({
  value,
  onChange,
  currency,
}: {
  value: MethodDraft;
  onChange: (next: MethodDraft) => void;
  currency: string;
}) {
  const set = (key: keyof MethodDraft) => (e: { target: { value: string } }) =>
    onChange({ ...value, [key]: e.target.value });
  return (
    <fieldset className="grid">
      <legend>Shipping method</legend>
      <label>
        Method id
        <input value={value.id} required onChange={set("id")} />
      </label>
      <label>
        Method name
        <input value={value.name} required onChange={set("name")} />
      </label>
      <label>
        Carrier
        <input value={value.carrier} onChange={set("carrier")} />
      </label>
      <label>
        Price ({currency})
        <input
          type="number"
          min="0"
          step="any"
          inputMode="decimal"
          value={value.price}
          required
          onChange={set("price")}
        />
      </label>
    </fieldset>
  );
}
