// USDC amounts: the API carries atomic units as digit strings ("1500000" is 1.5 USDC, 6 decimals).
// These helpers convert exactly through bigint: never a JavaScript number, never a rounding.

export const USDC_DECIMALS = 6;
const MAX_ATOMIC = 9223372036854775807n; // the API keeps amounts within a signed 64-bit integer

/** "1.5" -> 1500000n. More decimals than `decimals`, a sign, an exponent or junk is a RangeError. */
export function usdcToAtomic(amount: string, decimals: number = USDC_DECIMALS): bigint {
  const m = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/.exec(amount.trim());
  if (!m) throw new RangeError(`not a USDC amount: ${JSON.stringify(amount)} (digits, optionally a point and up to ${decimals} decimals)`);
  const whole = m[1] ?? "0";
  const frac = m[2] ?? m[3] ?? "";
  if (frac.length > decimals) throw new RangeError(`${amount} has more than ${decimals} decimals`);
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (value > MAX_ATOMIC) throw new RangeError(`${amount} is too large`);
  return value;
}

/** The digit string the API takes for `*_atomic` fields: usdcToAtomicString("0.01") === "10000". */
export const usdcToAtomicString = (amount: string, decimals: number = USDC_DECIMALS) => usdcToAtomic(amount, decimals).toString();

/** 1500000n or "1500000" -> "1.5" (trailing zeros dropped; "0" for zero). */
export function atomicToUsdc(atomic: bigint | string, decimals: number = USDC_DECIMALS): string {
  let value: bigint;
  if (typeof atomic === "bigint") value = atomic;
  else if (/^-?\d+$/.test(atomic)) value = BigInt(atomic);
  else throw new RangeError(`not an atomic amount: ${JSON.stringify(atomic)}`);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const frac = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / base}${frac ? "." + frac : ""}`;
}
