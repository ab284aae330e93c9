import { randomInt } from "node:crypto";
import { randomBase62 } from "@/core/ids";

// RFC 8628 §6.1: a user code from an alphabet without vowels (no words) and without look-alikes
// (no 0/O, 1/I/L), 8 characters = 20^8 ≈ 2.6e10 codes, shown as XXXX-XXXX.
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export function newUserCode(): string {
  let code = "";
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

export const displayUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** What a person types: any case, with or without the dash or spaces. Null when it cannot be a code. */
export function normaliseUserCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/.test(code) ? code : null;
}

/** The device's secret (RFC 8628 device_code): 256 bits, stored only as a sha256. */
export const newDeviceCode = () => `mp_dc_${randomBase62(43)}`;

/** The text a device signs to prove it holds the key it asks to link. */
export const linkInitMessage = (kind: string, pubkey: string, timestamp: number) => `machpay-link-init:${kind}:${pubkey}:${timestamp}`;

/** The text a device signs to authenticate a request (Authorization: Device ...). */
export const deviceAuthMessage = (method: string, pathWithQuery: string, timestamp: number) =>
  `machpay-device:${method.toUpperCase()}:${pathWithQuery}:${timestamp}`;

/** Signed proofs are accepted within this many seconds of the server's clock, either way. */
export const PROOF_WINDOW_SECONDS = 300;
export const LINK_TTL_SECONDS = 600;
