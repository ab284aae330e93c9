import { z } from "@hono/zod-openapi";
import * as ed from "@noble/ed25519";
import { decodeBase58 } from "./base58";

// Solana keys and signatures at the edge: format checks (a 400 naming the field) and Ed25519
// verification, shared by wallet sign-in, device pairing and signed payment intents.

/** A Solana account address: base58 that decodes to exactly 32 bytes. */
export const WalletAddressSchema = z
  .string()
  .refine((s): boolean => isAddressText(s), "expected a base58 Solana address (32 bytes)")
  .openapi({ example: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" });

/** base58 that decodes to exactly 32 bytes (what kit's isAddress checks, without its BigInt cost). */
export function isAddressText(s: string): boolean {
  return s.length >= 32 && s.length <= 44 && decodeBase58(s)?.length === 32;
}

/** base58 that decodes to exactly 64 bytes. */
export function isBase58Signature(s: string): boolean {
  return s.length >= 64 && s.length <= 88 && decodeBase58(s)?.length === 64;
}

/** An Ed25519 signature: base58 that decodes to exactly 64 bytes. */
export const SignatureSchema = z
  .string()
  .refine(isBase58Signature, "expected a base58 Ed25519 signature (64 bytes)")
  .openapi({ description: "base58 of the 64-byte Ed25519 signature" });

export function base58Bytes(text: string): Uint8Array {
  const bytes = decodeBase58(text);
  if (!bytes) throw new RangeError("not base58");
  return bytes;
}

/**
 * Strict RFC 8032 verification (zip215: false): rejects small-order public keys, whose
 * "signatures" verify for any message, and non-canonical encodings, as Solana's verify_strict does.
 * The caller has checked the formats (WalletAddressSchema, SignatureSchema).
 */
export async function verifyEd25519(address: string, signatureB58: string, message: Uint8Array): Promise<boolean> {
  try {
    return await ed.verifyAsync(base58Bytes(signatureB58), message, base58Bytes(address), { zip215: false });
  } catch {
    return false;
  }
}
