import { describe, expect, test } from "bun:test";
import { atomicToDecimal } from "@/core/money";
import type { McpCall } from "@/mcp/call";
import { atomicToUsdc } from "@/mcp/usdc";

// Amounts as a model reads them: atomic units shifted by the mint's decimals, exactly, trailing
// zeros dropped. The digit-string path (no bigint) must agree with the ledger's own formatting.

const callWith = (decimals: number) => ({ deps: { config: { USDC_DECIMALS: decimals } } }) as unknown as McpCall;
const reference = (atomic: bigint, decimals: number) => {
  const text = atomicToDecimal(atomic, decimals);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
};

describe("atomicToUsdc", () => {
  test("USDC's six decimals: whole, fractional, tiny and huge amounts", () => {
    const call = callWith(6);
    expect(atomicToUsdc(call, "0")).toBe("0");
    expect(atomicToUsdc(call, "1")).toBe("0.000001");
    expect(atomicToUsdc(call, "5000")).toBe("0.005");
    expect(atomicToUsdc(call, "1000000")).toBe("1");
    expect(atomicToUsdc(call, "1500000")).toBe("1.5");
    expect(atomicToUsdc(call, "000120")).toBe("0.00012");
    expect(atomicToUsdc(call, "9223372036854775807")).toBe("9223372036854.775807");
    expect(atomicToUsdc(call, 2_500_000n)).toBe("2.5");
    expect(atomicToUsdc(call, -2_500_000n)).toBe("-2.5");
  });

  test("agrees with the ledger's formatting for any digits and any mint's decimals", () => {
    for (const decimals of [0, 1, 2, 6, 9, 18]) {
      const call = callWith(decimals);
      for (let i = 0; i < 2_000; i++) {
        const digits = String(Math.floor(Math.random() * 10 ** (1 + (i % 15)))) + (i % 3 === 0 ? "000" : "");
        expect(atomicToUsdc(call, digits)).toBe(reference(BigInt(digits), decimals));
      }
    }
  });
});
