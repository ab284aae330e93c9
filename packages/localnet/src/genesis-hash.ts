import { base58Decode } from "./base58";

// The genesis hash the chain reports. Solana's CAIP-2 network id is `solana:` + its first 32
// characters, and clients such as @x402/svm only know the public clusters' ids: a local chain
// that answers getGenesisHash as devnet (or testnet) lets those clients run against it unchanged.
// Mainnet's is refused on purpose: a wallet must never take the local chain for the real one.

export const CLUSTER_GENESIS_HASHES = {
  devnet: "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
  testnet: "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY",
} as const;

const MAINNET_PREFIX = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";

/** A cluster name (devnet, testnet) or a base58 hash of 32 bytes; throws with a line naming the problem. */
export function resolveGenesisHash(value: string): string {
  const named = CLUSTER_GENESIS_HASHES[value as keyof typeof CLUSTER_GENESIS_HASHES];
  if (named) return named;
  if (value === "mainnet" || value === "mainnet-beta" || value.startsWith(MAINNET_PREFIX)) {
    throw new Error("the local chain never presents itself as mainnet");
  }
  let bytes: Uint8Array;
  try {
    bytes = base58Decode(value);
  } catch {
    throw new Error(`expected devnet, testnet or a base58 hash, got ${JSON.stringify(value)}`);
  }
  if (bytes.length !== 32) throw new Error(`a genesis hash is 32 bytes, got ${bytes.length}`);
  return value;
}
