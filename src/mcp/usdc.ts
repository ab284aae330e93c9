import { z } from "zod";
import { AppError } from "@/core/errors";
import { atomicToDecimal, decimalToAtomic } from "@/core/money";
import type { McpCall } from "./call";

// Amounts for a model: every amount travels as a string, in atomic units (`*_atomic`, exact, what
// the ledger keeps) and in USDC (`*_usdc`, the same amount written as people read it). A USDC
// amount given as input is converted exactly, with the mint's decimals: more decimals than the
// mint has is refused, never rounded.

/** A USDC amount as people write it: digits, optionally a point and decimals ("0.005"). */
export const UsdcAmountSchema = z
  .string()
  .max(40)
  .regex(/^\d+(\.\d+)?$/, 'expected a decimal amount of USDC as a string, e.g. "0.005"');

/** An amount in USDC as bigint atomic units, or 400 invalid_request naming the argument. */
export function usdcToAtomic(call: McpCall, text: string, field: string): bigint {
  try {
    return decimalToAtomic(text, call.deps.config.USDC_DECIMALS);
  } catch (err) {
    const why = err instanceof RangeError ? err.message : "not a decimal amount";
    throw new AppError("invalid_request", `invalid arguments: ${field}: ${why}`, { details: { issues: [{ field, location: "arguments", message: why }] } });
  }
}

/** Atomic units as USDC, exactly ("5000" -> "0.005"), trailing zeros dropped. */
export function atomicToUsdc(call: McpCall, atomic: string | bigint): string {
  const text = atomicToDecimal(BigInt(atomic), call.deps.config.USDC_DECIMALS);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

export const usdcField = (what: string) => z.string().describe(`${what}, in USDC (exact decimal string)`);
export const atomicField = (what: string) => z.string().describe(`${what}, in atomic units as a digit string (1 USDC = 1000000)`);
export const nullableUsdcField = (what: string) => z.string().nullable().describe(`${what}, in USDC (exact decimal string); null: no limit`);
export const nullableAtomicField = (what: string) => z.string().nullable().describe(`${what}, in atomic units as a digit string; null: no limit`);
