import { existsSync, readFileSync } from "node:fs";
import { resolveGenesisHash } from "./genesis-hash";
import { labelledKeypair } from "./keys";

// The command line's settings from the environment. A bad value stops the start with one
// `localnet:` line, which scripts/run shows as it is.

export function fail(message: string): never {
  process.stderr.write(`localnet: ${message}\n`);
  process.exit(1);
}

export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

/** A keypair given as a JSON array of 64 numbers or a Solana CLI keypair file; else the label's fixed one. */
export async function keyEnv(name: string, label: string): Promise<Uint8Array> {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return (await labelledKeypair(label)).secretKey64;
  const text = raw.trim().startsWith("[") ? raw : existsSync(raw) ? readFileSync(raw, "utf8") : fail(`${name} is neither a JSON array nor a file`);
  const bytes = JSON.parse(text) as unknown;
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    fail(`${name} must hold 64 bytes (Solana CLI keypair format)`);
  }
  return new Uint8Array(bytes as number[]);
}

/** `{ genesisHash }` when the variable is set (checked here, so a bad value is one line). */
export function genesisHashEnv(name: string): { genesisHash?: string } {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return {};
  try {
    return { genesisHash: resolveGenesisHash(raw.trim()) };
  } catch (err) {
    return fail(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
