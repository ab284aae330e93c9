// Base58 (Bitcoin alphabet) for the hot path. kit's codec goes through BigInt and costs tens of
// microseconds per 32-byte key; a transaction touches a dozen keys several times, which made it
// the largest cost per transaction. This is the classic byte-wise conversion, plus a bounded
// cache of decoded keys (the same accounts come back in every transaction).

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = "1".repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]!];
  return out;
}

/** Throws on a character outside the alphabet. */
export function base58Decode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? INDEX[code]! : -1;
    if (value < 0) throw new Error(`invalid base58 character ${JSON.stringify(text[i])}`);
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
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i]!;
  return out;
}

const KEY_CACHE_LIMIT = 100_000;
const keyCache = new Map<string, Uint8Array>();

/** The 32 bytes of an address, cached; callers must not mutate the result. */
export function addressBytes(address: string): Uint8Array {
  let bytes = keyCache.get(address);
  if (!bytes) {
    bytes = base58Decode(address);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(address, bytes);
  }
  return bytes;
}

const interned = new Map<string, string>();

/**
 * One shared copy of an address string: the same keys recur in every stored transaction, and
 * without this each record would hold its own copies.
 */
export function intern(address: string): string {
  const known = interned.get(address);
  if (known !== undefined) return known;
  if (interned.size >= KEY_CACHE_LIMIT) interned.clear();
  interned.set(address, address);
  return address;
}
