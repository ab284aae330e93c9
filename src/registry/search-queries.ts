import type { Tx } from "@/db/client";
import { withTransaction } from "@/db/transaction";

// The two rankings hybrid search fuses, computed in one round trip.

export interface Candidate {
  id: string;
  /** 1-based rank by cosine distance, null when not among the nearest. */
  vector_rank: bigint | null;
  /** 1-based rank by ts_rank, null when the words do not match. */
  text_rank: bigint | null;
  price_atomic: bigint;
}

export interface CandidateQuery {
  /** pgvector text of the query embedding; null searches by words only. */
  vector: string | null;
  /** Words to match, any of them (OR); empty matches nothing. */
  words: string[];
  maxPriceAtomic: bigint | undefined;
  /** Only services of this type, when given. */
  serviceType?: string | undefined;
  /** How many candidates each ranking contributes. */
  depth: number;
}

/**
 * The `depth` nearest active services by embedding, and the `depth` best by full text, each with
 * its rank. The HNSW scan runs with iterative scanning (pgvector 0.8) so that filtering out
 * inactive or too expensive services does not leave the vector side short of candidates.
 * ts_rank, not ts_rank_cd: an OR of common words can match thousands of services, and the
 * cover-density rank cost a third more there (scripts/bench-search.ts, 10,000 services).
 */
/**
 * hnsw.ef_search for searches (pgvector's default is 40). On 10,000 services the index's recall@10
 * against exact search is about 0.84 at 40, 0.93 at 100 and 0.98 at 200, for well under a
 * millisecond more per query at 100 (scripts/bench-search.ts).
 */
export const HNSW_EF_SEARCH = 100;

export async function searchCandidates(sql: Tx, q: CandidateQuery): Promise<Candidate[]> {
  const price = q.maxPriceAtomic === undefined ? sql`` : sql`AND s.price_atomic <= ${q.maxPriceAtomic}`;
  const type = q.serviceType === undefined ? sql`` : sql`AND s.service_type = ${q.serviceType}`;
  // Words are letters and digits only, so joining them with "or" cannot inject query syntax;
  // websearch_to_tsquery stems them and drops stop words as the indexed text was treated.
  const textQuery = q.words.join(" or ");
  const nearest =
    q.vector === null
      ? sql`SELECT NULL::varchar AS id, NULL::numeric AS price_atomic, NULL::float8 AS distance WHERE false`
      : sql`
        SELECT e.service_id AS id, s.price_atomic, e.embedding <=> ${q.vector}::vector AS distance
        FROM service_embeddings e
        JOIN services s ON s.id = e.service_id
        WHERE s.is_active ${price} ${type}
        ORDER BY distance
        LIMIT ${q.depth}`;
  const query = (tx: Tx) => tx<Candidate[]>`
    WITH nearest AS MATERIALIZED (${nearest}),
    vec AS (
      SELECT id, price_atomic, row_number() OVER (ORDER BY distance, id) AS rank FROM nearest
    ),
    query AS (
      SELECT websearch_to_tsquery('english', ${textQuery}) AS tsq
    ),
    txt AS (
      SELECT s.id, s.price_atomic, row_number() OVER (ORDER BY ts_rank(s.search_tsv, query.tsq, 1) DESC, s.id) AS rank
      FROM services s, query
      WHERE s.search_tsv @@ query.tsq AND coalesce(s.is_active, false) ${price} ${type}
      ORDER BY rank
      LIMIT ${q.depth}
    )
    SELECT coalesce(vec.id, txt.id) AS id, vec.rank AS vector_rank, txt.rank AS text_rank, coalesce(vec.price_atomic, txt.price_atomic) AS price_atomic
    FROM vec
    FULL JOIN txt ON txt.id = vec.id`;
  return withTransaction(sql, async (tx) => {
    // Planner settings for this transaction only, sent with the query in one round trip
    // (postgres.js pipelines them on the connection). enable_seqscan off: an OR of common words
    // matches a sizeable share of services, the planner then prefers reading every row and
    // testing @@ on each (11 ms on 10,000 services) to the GIN index (6 ms); the coalesce() above
    // keeps the partial index services_active_price (WHERE is_active) from being used instead.
    const [, rows] = await Promise.all([
      tx`
        SELECT set_config('enable_seqscan', 'off', true),
               set_config('hnsw.iterative_scan', 'relaxed_order', true),
               set_config('hnsw.ef_search', ${String(Math.max(HNSW_EF_SEARCH, q.depth))}, true)`,
      query(tx),
    ]);
    return rows;
  });
}
