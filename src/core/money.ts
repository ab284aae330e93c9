// Money codec: atomic integer units as bigint inside, digit strings in JSON, decimals only at the
// edge where lld-backend.md shows them (converted exactly with the mint's decimals).

export const U64_MAX = 18446744073709551615n;
/** The largest int8 (PostgreSQL bigint): 2^63-1. */
export const INT8_MAX = 9223372036854775807n;
/** Amounts are kept within int8 so every SQL parameter and sum is exact (10^18 atomic USDC is 10^12 USDC). */
export const AMOUNT_MAX = INT8_MAX;

export const ATOMIC_PATTERN = /^(0|[1-9]\d{0,18})$/;

export function parseAtomic(text: string): bigint {
  if (!ATOMIC_PATTERN.test(text)) throw new RangeError(`not an atomic amount: ${text}`);
  const value = BigInt(text);
  if (value > AMOUNT_MAX) throw new RangeError(`amount too large: ${text}`);
  return value;
}

/** "1.5" with 6 decimals -> 1500000n. More decimals than the mint has is an error, never a rounding. */
export function decimalToAtomic(text: string, decimals: number): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${text}`);
  const whole = m[1]!;
  const frac = m[2] ?? "";
  if (frac.length > decimals) throw new RangeError(`more than ${decimals} decimals: ${text}`);
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (value > AMOUNT_MAX) throw new RangeError(`amount too large: ${text}`);
  return value;
}

/** 1500000n with 6 decimals -> "1.500000". The digits are split, not divided: no bigint arithmetic per call. */
export function atomicToDecimal(value: bigint, decimals: number): string {
  const sign = value < 0n ? "-" : "";
  const digits = (value < 0n ? -value : value).toString();
  if (decimals === 0) return sign + digits;
  const padded = digits.length > decimals ? digits : digits.padStart(decimals + 1, "0");
  const point = padded.length - decimals;
  return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}
