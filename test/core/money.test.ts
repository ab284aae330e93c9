import { describe, expect, test } from "bun:test";
import { atomicToDecimal, decimalToAtomic } from "@/core/money";

// The money codec at the edge where amounts are shown as decimals: exact both ways.

describe("atomicToDecimal", () => {
  test("splits the digits at the mint's decimals, zero-padded, sign kept", () => {
    expect(atomicToDecimal(0n, 6)).toBe("0.000000");
    expect(atomicToDecimal(1n, 6)).toBe("0.000001");
    expect(atomicToDecimal(999_999n, 6)).toBe("0.999999");
    expect(atomicToDecimal(1_000_000n, 6)).toBe("1.000000");
    expect(atomicToDecimal(1_500_000n, 6)).toBe("1.500000");
    expect(atomicToDecimal(9_223_372_036_854_775_807n, 6)).toBe("9223372036854.775807");
    expect(atomicToDecimal(-2_500_000n, 6)).toBe("-2.500000");
    expect(atomicToDecimal(-1n, 6)).toBe("-0.000001");
    expect(atomicToDecimal(120n, 0)).toBe("120");
    expect(atomicToDecimal(-120n, 0)).toBe("-120");
    expect(atomicToDecimal(5n, 1)).toBe("0.5");
    expect(atomicToDecimal(1_500_000_000n, 9)).toBe("1.500000000");
  });

  test("decimalToAtomic reads back every amount it writes", () => {
    for (const atomic of [0n, 1n, 10n, 999_999n, 1_000_000n, 123_456_789n, 9_223_372_036_854_775_807n]) {
      for (const decimals of [0, 1, 6, 9]) expect(decimalToAtomic(atomicToDecimal(atomic, decimals), decimals)).toBe(atomic);
    }
  });
});
