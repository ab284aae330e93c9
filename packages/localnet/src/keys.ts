import { createKeyPairSignerFromBytes, createKeyPairSignerFromPrivateKeyBytes, getAddressEncoder, type KeyPairSigner } from "@solana/kit";

// Keypairs the shim holds (mint authority, vault owner, hot wallet, faucet), in the Solana CLI
// format too (64 bytes: 32-byte seed then 32-byte public key), because the backend must be
// given the hot wallet's secret to send payouts. Local chain only.

export interface Keypair {
  address: string;
  /** Solana CLI secret key: seed || public key. */
  secretKey64: Uint8Array;
  signer: KeyPairSigner;
}

async function fromSeed(seed: Uint8Array): Promise<Keypair> {
  const signer = await createKeyPairSignerFromPrivateKeyBytes(seed);
  const secretKey64 = new Uint8Array(64);
  secretKey64.set(seed, 0);
  secretKey64.set(getAddressEncoder().encode(signer.address), 32);
  return { address: signer.address, secretKey64, signer };
}

/** The keypair of a CLI secret key, or a fresh random one. */
export async function keypair(secretKey64?: Uint8Array): Promise<Keypair> {
  if (!secretKey64) return fromSeed(crypto.getRandomValues(new Uint8Array(32)));
  if (secretKey64.length !== 64) throw new Error("a secret key must be 64 bytes (Solana CLI format)");
  // kit checks that the public half belongs to the seed.
  const signer = await createKeyPairSignerFromBytes(secretKey64);
  return { address: signer.address, secretKey64: new Uint8Array(secretKey64), signer };
}

/** A deterministic keypair from a label (same addresses on every start of the dev chain). */
export async function labelledKeypair(label: string): Promise<Keypair> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`machpay-localnet/${label}`));
  return fromSeed(new Uint8Array(digest));
}
