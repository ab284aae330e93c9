import { z } from "@hono/zod-openapi";
import { AMOUNT_MAX, ATOMIC_PATTERN } from "@/core/money";

// The field types of what gateways and SDKs send, shared by the event and packet schemas.

const ATOMIC_MESSAGE = `expected atomic units: a string of digits, or a JSON integer up to 2^53-1 (larger amounts as strings), at most ${AMOUNT_MAX}`;

function toAtomic(value: unknown): bigint | undefined {
  if (typeof value === "string") return ATOMIC_PATTERN.test(value) && BigInt(value) <= AMOUNT_MAX ? BigInt(value) : undefined;
  // A JSON integer past 2^53 has already been rounded by JSON.parse: refused, never stored wrong.
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  return undefined;
}

const atomicDoc = (nullable: boolean) => ({
  // JSON Schema applies pattern and maxLength to strings only, minimum and maximum to numbers only.
  type: (nullable ? ["string", "integer", "null"] : ["string", "integer"]) as ("string" | "integer" | "null")[],
  pattern: ATOMIC_PATTERN.source,
  maxLength: 19,
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: "Atomic units of the token mint (USDC: 1 USDC = 1000000): a string of digits, or a JSON integer up to 2^53-1",
  example: "5000",
});

/** Money (or a lamport count): digits or a safe integer, within int8; parsed to bigint (checked once, in the transform). */
export const Atomic = z
  .custom<string | number>(() => true)
  .openapi(atomicDoc(false))
  .transform((value, ctx) => {
    const atomic = toAtomic(value);
    if (atomic === undefined) {
      ctx.issues.push({ code: "custom", message: ATOMIC_MESSAGE, input: value });
      return z.NEVER;
    }
    return atomic;
  });

/** The same, or null (zod-openapi would not document a nullable wrapper of a custom type). */
export const NullableAtomic = z
  .custom<string | number | null>(() => true)
  .openapi(atomicDoc(true))
  .transform((value, ctx) => {
    if (value === null) return null;
    const atomic = toAtomic(value);
    if (atomic === undefined) {
      ctx.issues.push({ code: "custom", message: `${ATOMIC_MESSAGE}, or null`, input: value });
      return z.NEVER;
    }
    return atomic;
  });

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp into a Date (millisecond precision: what is stored and deduplicated on). */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  // JavaScript parses three fractional digits; more are cut, as PostgreSQL would round them anyway.
  const fraction = m[7] ? m[7].slice(0, 4) : "";
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}${m[8]!.toUpperCase()}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // 2026-02-30 would roll over to March: refused by reading the calendar date back.
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return date;
}

/** An RFC 3339 timestamp, parsed once; its ISO text (stored and deduplicated on) computed once too. */
export interface Instant {
  date: Date;
  iso: string;
}

export const Timestamp = z
  .string()
  .openapi({ format: "date-time", example: "2025-01-31T12:00:00.000Z" })
  .transform((s, ctx): Instant => {
    const date = parseRfc3339(s);
    if (date === undefined) {
      ctx.issues.push({ code: "custom", message: "expected an RFC 3339 timestamp, e.g. 2025-01-31T12:00:00Z", input: s });
      return z.NEVER;
    }
    return { date, iso: date.toISOString() };
  });

/** Non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().min(1).max(max);

/** A gateway or SDK counter: a non-negative integer. */
export const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A measurement (percent, milliseconds, megabytes): finite and non-negative. */
export const Measure = z.number().nonnegative().max(1e15);

export const Mint = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 address").openapi({ example: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" });

/** The id of a gateway as its operator named it; metrics key gateways by it (with the vendor). */
export const GatewayId = z
  .string()
  .regex(/^[A-Za-z0-9._:\/-]{1,64}$/, "expected 1 to 64 characters of letters, digits and . _ : / -")
  .openapi({ example: "gateway-01" });
