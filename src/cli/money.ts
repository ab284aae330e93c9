import { atomicToUsdc, usdcToAtomic } from "@machpay/sdk";
import { CliError, usageError } from "./errors";

// USDC amounts as people type and read them, converted exactly (through the SDK's bigint helpers).

/** "5", "0.01" -> atomic digit string; anything else is a usage error naming the argument. */
export function parseUsdc(text: string | undefined, what: string): string {
  if (text === undefined) throw usageError(`missing ${what} (in USDC, e.g. 0.01)`);
  let atomic: bigint;
  try {
    atomic = usdcToAtomic(text);
  } catch (err) {
    throw usageError(`${what} ${JSON.stringify(text)} is not a USDC amount: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (atomic === 0n) throw usageError(`${what} must be more than 0 USDC`);
  return atomic.toString();
}

/** An atomic amount from the API, as "1.5 USDC"; a value that is not one is the API's fault, said so. */
export function showUsdc(atomic: unknown, field: string): string {
  if (typeof atomic !== "string" || !/^\d+$/.test(atomic)) {
    throw new CliError(`the API sent ${field} = ${JSON.stringify(atomic)}, which is not an atomic amount`, "unexpected_response");
  }
  return `${atomicToUsdc(atomic)} USDC`;
}
