// Base58 (Bitcoin alphabet, as Solana keys and signatures) and base64, with no dependency, so the
// package runs wherever @x402/core does (Bun, Node, browsers).

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Byte arithmetic on a preallocated digit array, no BigInt: a few microseconds for a 32-byte key (settle encodes three per intent). */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // log(256) / log(58) ≈ 1.366: the base-58 digits, least significant first.
  const digits = new Uint8Array(Math.ceil(bytes.length * 1.37) + 1);
  let length = 0;
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[length++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  let out = "1".repeat(zeros);
  for (let i = length - 1; i >= 0; i--) out += ALPHABET[digits[i]!];
  return out;
}

/** The bytes of a base58 string; undefined when it is not base58. */
export function base58Decode(text: string): Uint8Array | undefined {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const value = INDEX.get(text[i]!);
    if (value === undefined) return undefined;
    let carry = value;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  return new Uint8Array([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

/** A base58 text of exactly `length` bytes (a 32-byte key, a 64-byte signature), else undefined. */
export function base58Bytes(text: unknown, length: number): Uint8Array | undefined {
  // Longer texts cannot hold `length` bytes; checked first so hostile input costs nothing.
  if (typeof text !== "string" || text.length === 0 || text.length > Math.ceil(length * 1.37) + 1) return undefined;
  const bytes = base58Decode(text);
  return bytes?.length === length ? bytes : undefined;
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Strict standard base64 (padding required); undefined otherwise. */
export function base64Decode(text: unknown, maxBytes: number): Uint8Array | undefined {
  if (typeof text !== "string" || text.length % 4 !== 0 || text.length > Math.ceil(maxBytes / 3) * 4) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
