import { AMOUNT_MAX } from "@/core/money";

// Price words in a search query (lld-backend.md §3.6: "Find me a cheap LLM"). They become a price
// ceiling or a cheapness preference and are taken out of the text that is matched semantically,
// so "under 0.01 USDC" does not pull services that mention USDC.
//   "free", "for free", "no cost"                     -> ceiling 0
//   "under|below|less than|cheaper than <amount>"     -> ceiling strictly below the amount
//   "at most|up to|max|no more than|within <amount>"  -> ceiling at the amount
//   "cheap", "affordable", "low cost", "budget"...    -> prefer the cheaper of the relevant services
//   "cheapest", "lowest price", "least expensive"     -> the relevant services, cheapest first
// An amount needs a unit to count: "$0.01", "0.01 USDC", "2 cents", "5000 atomic". A bare number
// ("under 5000") is left alone: atomic units or dollars would be a guess.

export type Cheapness = "none" | "cheap" | "cheapest";

export interface PriceIntent {
  /** The query without its price words. */
  text: string;
  /** Inclusive ceiling in atomic units, when the query names one. */
  maxPriceAtomic: bigint | undefined;
  cheapness: Cheapness;
}

const LEAD = String.raw`(?:(?:that\s+)?(?:costs?|costing|priced|prices?|pricing|charges?|charging|for|at|with\s+a\s+price)\s+)?`;
const STRICT = String.raw`under|below|less\s+than|lower\s+than|cheaper\s+than|<`;
const INCLUSIVE = String.raw`at\s+most|up\s+to|max(?:imum)?(?:\s+of)?|no\s+more\s+than|not\s+more\s+than|within|<=|≤`;
const NUMBER = String.raw`\d+(?:\.\d+)?|\.\d+`;
const UNIT = String.raw`usdc|usd|dollars?|cents?|¢|atomic(?:\s+units?)?`;
const TAIL = String.raw`(?:\s*(?:per|a|each|\/)\s*(?:call|request|query|use|invocation))?`;

const AMOUNT_PHRASE = new RegExp(
  String.raw`(?<![\w$])${LEAD}(?<cmp>${INCLUSIVE}|${STRICT})\s*(?<dollar>\$)?\s*(?<num>${NUMBER})\s*(?<unit>${UNIT})?(?!\w|\.\d)${TAIL}`,
  "giu",
);
const FREE = /(?<![\w-])(?:for\s+free|free\s+of\s+charge|free|(?:at\s+)?no\s+cost|zero\s+cost|costs?\s+nothing)(?![\w-])/giu;
const CHEAPEST = /(?<![\w-])(?:the\s+)?(?:cheapest|lowest[\s-]+(?:price|priced|cost)|least\s+expensive)(?![\w-])/giu;
const CHEAP = /(?<![\w-])(?:cheap|cheaper|inexpensive|affordable|budget|low[\s-]+(?:cost|price|priced)|economical)(?![\w-])/giu;

/** A decimal number as numerator / 10^scale, exactly. */
function decimal(text: string): { n: bigint; scale: number } {
  const [whole = "", frac = ""] = text.split(".");
  return { n: BigInt((whole || "0") + frac), scale: frac.length };
}

/**
 * The ceiling in atomic units that the phrase means, or undefined when it has no unit. Exact:
 * "under $0.0000015" with 6 decimals is "at most 1 atomic unit", never a rounded float.
 */
function ceilingOf(num: string, unit: string | undefined, dollar: boolean, strict: boolean, decimals: number): bigint | undefined {
  const u = unit?.toLowerCase().replace(/\s+/g, " ");
  let atomicDigits: number;
  if (dollar || u === "usdc" || u === "usd" || u === "dollar" || u === "dollars") atomicDigits = decimals;
  else if (u === "cent" || u === "cents" || u === "¢") atomicDigits = decimals - 2;
  else if (u?.startsWith("atomic")) atomicDigits = 0;
  else return undefined;
  const { n, scale } = decimal(num);
  // value in atomic units = n * 10^atomicDigits / 10^scale (atomicDigits may be negative for odd mints).
  const numerator = atomicDigits >= 0 ? n * 10n ** BigInt(atomicDigits) : n;
  const denominator = 10n ** BigInt(scale + (atomicDigits < 0 ? -atomicDigits : 0));
  const floor = numerator / denominator;
  const exact = numerator % denominator === 0n;
  // Prices are whole atomic units: "< x" is "<= ceil(x) - 1", "<= x" is "<= floor(x)".
  const ceiling = strict ? (exact ? floor - 1n : floor) : floor;
  if (ceiling < 0n) return -1n;
  return ceiling > AMOUNT_MAX ? AMOUNT_MAX : ceiling;
}

const lower = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a < b ? a : b);

export function parsePriceWords(query: string, decimals: number): PriceIntent {
  let maxPriceAtomic: bigint | undefined;
  let cheapness: Cheapness = "none";
  let text = query.replace(AMOUNT_PHRASE, (match, ...args) => {
    // SAFETY: with named groups, the last argument of a replacer is the groups object.
    const g = args[args.length - 1] as { cmp: string; dollar?: string; num: string; unit?: string };
    const strict = new RegExp(`^(?:${STRICT})$`, "iu").test(g.cmp.replace(/\s+/g, " "));
    const ceiling = ceilingOf(g.num, g.unit, g.dollar !== undefined, strict, decimals);
    if (ceiling === undefined) return match;
    maxPriceAtomic = lower(maxPriceAtomic, ceiling);
    return " ";
  });
  text = text.replace(FREE, () => {
    maxPriceAtomic = lower(maxPriceAtomic, 0n);
    return " ";
  });
  text = text.replace(CHEAPEST, () => {
    cheapness = "cheapest";
    return " ";
  });
  text = text.replace(CHEAP, () => {
    if (cheapness === "none") cheapness = "cheap";
    return " ";
  });
  return { text: text.replace(/\s+/g, " ").trim(), maxPriceAtomic, cheapness };
}
