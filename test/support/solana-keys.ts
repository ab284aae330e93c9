import { createKeyPairSignerFromBytes, getBase58Decoder, getPublicKeyFromPrivateKey, createPrivateKeyFromBytes, signBytes } from "@solana/kit";

// Real Ed25519 wallets for tests, signed through @solana/kit (WebCrypto) so that the server's
// verification (@noble/ed25519) is checked against an independent implementation.

export interface TestWallet {
  /** base58 public key. */
  address: string;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  /** Signs the UTF-8 bytes of `text`; returns the signature in base58. */
  signBase58(text: string): Promise<string>;
  /** Solana CLI format (secret_key.json): 32-byte seed followed by the 32-byte public key. */
  secretKey64: Uint8Array;
}

export const toBase58 = (bytes: Uint8Array): string => getBase58Decoder().decode(bytes);

/** A fresh wallet; pass a 32-byte seed for a deterministic one. */
export async function newWallet(seed: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): Promise<TestWallet> {
  const privateKey = await createPrivateKeyFromBytes(seed, true);
  const publicKey = await getPublicKeyFromPrivateKey(privateKey, true);
  const publicBytes = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  const secretKey64 = new Uint8Array(64);
  secretKey64.set(seed, 0);
  secretKey64.set(publicBytes, 32);
  // Round-trips the CLI format through kit, which checks that the halves belong together.
  const signer = await createKeyPairSignerFromBytes(secretKey64);
  const sign = async (bytes: Uint8Array) => new Uint8Array(await signBytes(signer.keyPair.privateKey, bytes));
  return {
    address: signer.address,
    sign,
    signBase58: async (text) => toBase58(await sign(new TextEncoder().encode(text))),
    secretKey64,
  };
}
