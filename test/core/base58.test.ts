import { expect, test } from "bun:test";
import { getBase58Decoder, getBase58Encoder } from "@solana/kit";
import { decodeBase58, encodeBase58 } from "@/core/base58";

test("the hot-path base58 agrees with @solana/kit on every length that matters, leading zeros included", () => {
  const kitEncode = getBase58Decoder();
  const kitDecode = getBase58Encoder();
  for (let n = 0; n < 700; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array([0, 1, 2, 31, 32, 33, 64][n % 7]!));
    if (n % 5 === 0 && bytes.length > 2) bytes.fill(0, 0, 2);
    const text = kitEncode.decode(bytes);
    expect(encodeBase58(bytes)).toBe(text);
    expect(Array.from(decodeBase58(text)!)).toEqual(Array.from(new Uint8Array(kitDecode.encode(text))));
  }
});

test("characters outside the alphabet are refused", () => {
  for (const bad of ["0", "O", "I", "l", "abc+", "é"]) expect(decodeBase58(bad)).toBeNull();
});
