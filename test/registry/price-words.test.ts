import { describe, expect, test } from "bun:test";
import { parsePriceWords } from "@/registry/price-words";

// Price words in search queries: exact ceilings in atomic units (USDC: 6 decimals).

const parse = (q: string) => parsePriceWords(q, 6);

describe("ceilings", () => {
  const cases: [string, bigint, string][] = [
    ["LLM under 0.01 USDC", 9_999n, "LLM"],
    ["LLM under 0.01 usdc per call", 9_999n, "LLM"],
    ["LLM below $0.005", 4_999n, "LLM"],
    ["LLM for less than 5000 atomic", 4_999n, "LLM"],
    ["LLM less than 5000 atomic units", 4_999n, "LLM"],
    ["LLM at most 0.01 USDC", 10_000n, "LLM"],
    ["LLM up to $1", 1_000_000n, "LLM"],
    ["LLM max 2 cents a call", 20_000n, "LLM"],
    ["LLM no more than 1.5 dollars", 1_500_000n, "LLM"],
    ["LLM priced under $.5", 499_999n, "LLM"],
    ["LLM that costs <= 0.000001 USDC", 1n, "LLM"],
    ["LLM under $0.0000015", 1n, "LLM"],
    ["LLM under $0.000001", 0n, "LLM"],
    ["an llm cheaper than 3 cents.", 29_999n, "an llm ."],
  ];
  for (const [q, ceiling, text] of cases) {
    test(`"${q}" -> at most ${ceiling}`, () => {
      expect(parse(q)).toEqual({ text, maxPriceAtomic: ceiling, cheapness: "none" });
    });
  }

  test("the lowest of several ceilings applies", () => {
    expect(parse("under $1 and at most 5000 atomic").maxPriceAtomic).toBe(5_000n);
  });

  test("nothing below zero exists: under 0 is an impossible ceiling", () => {
    expect(parse("LLM under 0 USDC").maxPriceAtomic).toBe(-1n);
  });

  test("a number without a unit is left in the query: atomic or dollars would be a guess", () => {
    expect(parse("LLM under 5000")).toEqual({ text: "LLM under 5000", maxPriceAtomic: undefined, cheapness: "none" });
    expect(parse("GPT-4 with up to 128k context")).toEqual({ text: "GPT-4 with up to 128k context", maxPriceAtomic: undefined, cheapness: "none" });
  });

  test("mints with other decimals", () => {
    expect(parsePriceWords("under 1 USDC", 9).maxPriceAtomic).toBe(999_999_999n);
    expect(parsePriceWords("at most 1 cent", 0).maxPriceAtomic).toBe(0n);
  });
});

describe("free and cheap", () => {
  test('"free" and its phrasings are a ceiling of zero', () => {
    for (const q of ["free weather", "weather for free", "weather, free of charge", "weather at no cost"]) {
      expect(parse(q)).toEqual({ text: expect.stringMatching(/^weather,?$/), maxPriceAtomic: 0n, cheapness: "none" });
    }
  });

  test('"free" inside a compound is not a price', () => {
    expect(parse("royalty-free images").maxPriceAtomic).toBeUndefined();
    expect(parse("free-form text extraction").maxPriceAtomic).toBeUndefined();
  });

  test('"cheap" and its synonyms prefer cheaper services; "cheapest" orders by price', () => {
    for (const q of ["cheap LLM", "affordable LLM", "low-cost LLM", "an inexpensive LLM", "budget LLM"]) {
      expect(parse(q)).toMatchObject({ text: expect.stringMatching(/^(an )?LLM$/), maxPriceAtomic: undefined, cheapness: "cheap" });
    }
    for (const q of ["cheapest LLM", "the cheapest LLM", "LLM with the lowest price", "least expensive LLM"]) {
      expect(parse(q)).toMatchObject({ cheapness: "cheapest", maxPriceAtomic: undefined });
      expect(parse(q).text).toMatch(/LLM/);
      expect(parse(q).text).not.toMatch(/cheap|lowest|expensive/);
    }
  });

  test("words and ceilings combine", () => {
    expect(parse("Find me a cheap LLM under 0.01 USDC")).toEqual({ text: "Find me a LLM", maxPriceAtomic: 9_999n, cheapness: "cheap" });
  });

  test("a query with no price words is unchanged", () => {
    expect(parse("  translate   text to French ")).toEqual({ text: "translate text to French", maxPriceAtomic: undefined, cheapness: "none" });
  });
});
