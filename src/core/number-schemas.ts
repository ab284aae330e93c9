import { z } from "@hono/zod-openapi";
import { AMOUNT_MAX, ATOMIC_PATTERN, INT8_MAX } from "./money";

// Request schemas for the numbers that land in int8 parameters: atomic amounts and database ids.
// A digit pattern alone is not a range check: "9223372036854775808" has 19 digits and would reach
// PostgreSQL as "value out of range for type bigint". Every amount column is NUMERIC(20,0), but
// postgres.js sends a bigint as int8, so int8 is the range that binds (10^18 atomic USDC is 10^12
// USDC: no real amount comes near it).

// Refinements run even when the pattern failed ("1.5"): the conversion must not throw.
const withinInt8 = (s: string) => !ATOMIC_PATTERN.test(s) || BigInt(s) <= AMOUNT_MAX;
const positive = (s: string) => !ATOMIC_PATTERN.test(s) || BigInt(s) > 0n;

const atomicExample = { example: "5000", description: "Atomic units of the token mint (USDC: 1 USDC = 1000000)" };

/** An amount >= 0 in atomic units, as a string of digits, at most 2^63-1. */
export const AtomicAmountSchema = z
  .string()
  .regex(ATOMIC_PATTERN, "expected a non-negative integer amount in atomic units, as a string of digits")
  .refine(withinInt8, `must be at most ${AMOUNT_MAX}`)
  .openapi({ ...atomicExample, maxLength: 19 });

/** An amount > 0 in atomic units, as a string of digits, at most 2^63-1. */
export const PositiveAtomicSchema = AtomicAmountSchema.refine(positive, "must be greater than 0").openapi(atomicExample);

const ID_PATTERN = /^[1-9]\d{0,18}$/;

/** A database id (BIGSERIAL) as a string of digits: 1 to 2^63-1. */
export const DigitIdSchema = z
  .string()
  .regex(ID_PATTERN, "expected an id: a positive integer as a string of digits")
  .refine((s) => !ID_PATTERN.test(s) || BigInt(s) <= INT8_MAX, `must be at most ${INT8_MAX}`)
  .openapi({ example: "17", maxLength: 19 });

/** A digit string naming an int8 id, for values parsed outside a schema (headers, topics, events). */
export function parseDigitId(text: string): bigint | null {
  return ID_PATTERN.test(text) && BigInt(text) <= INT8_MAX ? BigInt(text) : null;
}
