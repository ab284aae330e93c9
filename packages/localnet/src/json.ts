// JSON output as a Solana node writes it: u64 values (lamports, rentEpoch = u64::MAX) as exact
// integer literals, which JSON.stringify cannot do for bigint, and f64 fields (uiAmount) with a
// decimal point as serde_json writes them ("1.0", not "1").

/** An f64 field; serialised with a decimal point like serde_json. */
export class Float {
  constructor(readonly value: number) {}
}

export type Json = null | boolean | number | bigint | string | Float | Json[] | { [key: string]: Json | undefined };

function floatText(x: number): string {
  if (!Number.isFinite(x)) return "null";
  const text = String(x);
  return Number.isInteger(x) && !/[e.]/.test(text) ? `${text}.0` : text;
}

/** Serialises `value`; object keys whose value is undefined are left out (serde's skip). */
export function stringify(value: Json | undefined): string {
  if (value === undefined || value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
  }
  if (value instanceof Float) return floatText(value.value);
  if (Array.isArray(value)) return `[${value.map((v) => stringify(v)).join(",")}]`;
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${stringify(v)}`);
  }
  return `{${parts.join(",")}}`;
}
