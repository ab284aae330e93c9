import { describe, expect, test } from "bun:test";
import type { McpCall } from "@/mcp/call";
import { atomicToUsdc } from "@/mcp/usdc";

// Amounts as a model reads them: atomic units shifted by the mint's decimals, exactly, trailing
// zeros dropped.

const callWith = (decimals: number) => ({ deps: { config: { USDC_DECIMALS: decimals } } }) as unknown as McpCall;

describe("atomicToUsdc", () => {
  test("USDC's six decimals: whole, fractional, tiny and huge amounts; another mint's decimals", () => {
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
    expect(atomicToUsdc(callWith(0), "120")).toBe("120");
    expect(atomicToUsdc(callWith(9), "1500000000")).toBe("1.5");
  });
});
