import type { Ctx } from "@/db/context";
import { toVectorLiteral } from "./embedding/embedder";
import { features, words } from "./embedding/local";
import { parsePriceWords, type Cheapness } from "./price-words";
import { findActiveServices, listCheapestServices, type ServiceRow } from "./queries";
import { searchCandidates, type Candidate } from "./search-queries";

// Hybrid semantic search (lld-backend.md §3.6 "Semantic Search"): the query's embedding against
// service embeddings, and its words against the full-text index, fused by reciprocal rank
// (Cormack et al. 2009): each ranking adds 1 / (K + rank). Ranks, not raw scores, are fused
// because cosine distances and ts_rank values live on unrelated scales.

const RRF_K = 60;
/** The best possible fused score (first in both rankings): scores are reported divided by it. */
const RRF_MAX = 2 / (RRF_K + 1);
/** With a price preference, services scoring at least this share of the best are "the relevant ones". */
const RELEVANT_SHARE = 0.85;

export interface SearchCtx extends Pick<Ctx, "sql" | "log"> {
  /** The query's embedding (cached by the caller); a failure means words-only ranking. */
  embedQuery: (text: string) => Promise<Float32Array>;
  decimals: number;
}

export interface SearchInput {
  q: string;
  limit: number;
  maxPriceAtomic?: bigint | undefined;
  serviceType?: string | undefined;
}

export interface SearchHit {
  row: ServiceRow;
  /** In [0, 1]: 1 is first in both rankings. */
  score: number;
  /** Why it matched: its rank by meaning (embedding) and by words (full text), null where it did not place. */
  semanticRank: number | null;
  textRank: number | null;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The price ceiling applied: the lower of the filter and the query's own price words. */
  maxPriceAtomic: bigint | undefined;
  /** The order the query's price words asked for. */
  cheapness: Cheapness;
}

interface Fused {
  id: string;
  score: number;
  price: bigint;
  semanticRank: number | null;
  textRank: number | null;
}

export async function searchServices(ctx: SearchCtx, input: SearchInput): Promise<SearchResult> {
  const intent = parsePriceWords(input.q, ctx.decimals);
  const maxPriceAtomic = lower(input.maxPriceAtomic, intent.maxPriceAtomic);
  const result = (hits: SearchHit[]): SearchResult => ({ hits, maxPriceAtomic, cheapness: intent.cheapness });
  if (maxPriceAtomic !== undefined && maxPriceAtomic < 0n) return result([]);
  const filter = { maxPriceAtomic, serviceType: input.serviceType };

  // Nothing left to match once price words are out ("cheapest", "free"): cheapest first.
  if (features(intent.text).word.size === 0) {
    const rows = await listCheapestServices(ctx.sql, filter, input.limit);
    return result(rows.map((row) => ({ row, score: 1, semanticRank: null, textRank: null })));
  }

  const vector = await queryVector(ctx, intent.text);
  const depth = Math.min(400, Math.max(40, input.limit * 2));
  const candidates = await searchCandidates(ctx.sql, {
    vector: vector && toVectorLiteral(vector),
    words: [...new Set(words(intent.text))].slice(0, 64),
    ...filter,
    depth,
  });
  const ranked = preferCheap(fuse(candidates), intent.cheapness).slice(0, input.limit);
  const rows = new Map((await findActiveServices(ctx.sql, ranked.map((r) => r.id))).map((r) => [r.id, r]));
  // A service deactivated between the two queries is dropped, never shown.
  return result(
    ranked.flatMap((r) => {
      const row = rows.get(r.id);
      return row ? [{ row, score: Math.round(r.score * 1e6) / 1e6, semanticRank: r.semanticRank, textRank: r.textRank }] : [];
    }),
  );
}

async function queryVector(ctx: SearchCtx, text: string): Promise<Float32Array | null> {
  try {
    const v = await ctx.embedQuery(text);
    // A vector of zeros has no direction: cosine distance to it is undefined.
    return v.some((x) => x !== 0) ? v : null;
  } catch (err) {
    ctx.log.warn("query embedding failed; ranking by full text only", { err });
    return null;
  }
}

export function fuse(candidates: Candidate[]): Fused[] {
  return candidates
    .map((c) => ({
      id: c.id,
      price: c.price_atomic,
      semanticRank: c.vector_rank === null ? null : Number(c.vector_rank),
      textRank: c.text_rank === null ? null : Number(c.text_rank),
      score: ((c.vector_rank === null ? 0 : 1 / (RRF_K + Number(c.vector_rank))) + (c.text_rank === null ? 0 : 1 / (RRF_K + Number(c.text_rank)))) / RRF_MAX,
    }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

/**
 * "cheapest": the relevant services (close to the best score) by price, then the rest by score.
 * "cheap": the relevant services by an even blend of relevance and cheapness, so a much cheaper
 * service moves up without an irrelevant one jumping ahead. Scores are kept as they are: the
 * order, not the score, carries the preference.
 */
export function preferCheap(ranked: Fused[], cheapness: Cheapness): Fused[] {
  if (cheapness === "none" || ranked.length < 2) return ranked;
  const best = ranked[0]!.score;
  const relevant = ranked.filter((r) => r.score >= best * RELEVANT_SHARE);
  const rest = ranked.slice(relevant.length);
  if (cheapness === "cheapest") {
    return [...[...relevant].sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : b.score - a.score)), ...rest];
  }
  const prices = [...new Set(relevant.map((r) => r.price))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Relevance within the band [threshold, best], so the last relevant service is not counted as irrelevant.
  const threshold = best * RELEVANT_SHARE;
  const blended = (r: Fused) => {
    const relevance = best === threshold ? 1 : (r.score - threshold) / (best - threshold);
    const cheap = prices.length < 2 ? 1 : 1 - prices.indexOf(r.price) / (prices.length - 1);
    return relevance / 2 + cheap / 2;
  };
  return [...[...relevant].sort((a, b) => blended(b) - blended(a) || b.score - a.score), ...rest];
}

const lower = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a < b ? a : b);
