import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { base58Bytes } from "@/core/solana";

// Ingest signatures are checked with the runtime's native Ed25519 (BoringSSL), not @noble's
// JavaScript (core/solana.ts): one per request at thousands of requests a second, where noble
// cost about half a millisecond each on the event loop. Noble is strict (rejects small-order
// keys, whose signatures verify for any message); this need not be, because a signature here only
// counts when its key is linked afterwards, and linking took a strict proof (pairing), which no
// small-order key can give. Parsed keys are kept, bounded: a gateway signs every request with one.

const MAX_KEYS = 10_000;
const keys = new Map<string, KeyObject>();

function publicKeyOf(address: string): KeyObject {
  let key = keys.get(address);
  if (!key) {
    key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(base58Bytes(address)).toString("base64url") }, format: "jwk" });
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(address, key);
  }
  return key;
}

/** The formats were checked by the caller (isAddressText, isBase58Signature). */
export function verifyIngestSignature(address: string, signatureB58: string, message: Uint8Array): boolean {
  try {
    const signature = base58Bytes(signatureB58);
    return signature.length === 64 && verify(null, message, publicKeyOf(address), signature);
  } catch {
    return false;
  }
}
