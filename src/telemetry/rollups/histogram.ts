// Latency histograms of the hourly rollups (sql/0017): counts per fixed bucket, so that a
// percentile over any range of hours is computed from the summed buckets. An average of hourly
// p99s is not a p99: one slow hour with few requests would weigh as much as a busy fast one.

/**
 * Lower bounds of buckets 1..n in milliseconds (bucket 0 is [0, 1), bucket k is [B[k-1], B[k]),
 * the last is [60000, inf)): PostgreSQL's width_bucket(x, bounds) numbers them the same way.
 * Stored rows mean these bounds: changing them needs new columns, never new values here.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 20000, 30000, 60000,
];

/** Buckets per histogram. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a latency falls in (what width_bucket gives in SQL). */
export function bucketOf(ms: number): number {
  let k = 0;
  while (k < LATENCY_BOUNDS_MS.length && ms >= LATENCY_BOUNDS_MS[k]!) k++;
  return k;
}

/** Element-wise sum of histograms (missing cells count as zero). */
export function sumHistograms(histograms: readonly (readonly bigint[])[]): bigint[] {
  const out = Array.from({ length: LATENCY_BUCKETS }, () => 0n);
  for (const h of histograms) for (let i = 0; i < LATENCY_BUCKETS; i++) out[i]! += h[i] ?? 0n;
  return out;
}

/**
 * The q-quantile (0 < q <= 1) of a histogram, interpolated linearly inside its bucket (as
 * Prometheus's histogram_quantile does); null when the histogram is empty. Exact to the bucket:
 * the true value lies in the same bucket. In the last, unbounded bucket the answer is its lower
 * bound, a floor.
 */
export function quantile(buckets: readonly bigint[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0n);
  if (total === 0n) return null;
  const rank = q * Number(total);
  let before = 0;
  for (let k = 0; k < buckets.length; k++) {
    const count = Number(buckets[k] ?? 0n);
    if (count > 0 && before + count >= rank) {
      const lower = k === 0 ? 0 : LATENCY_BOUNDS_MS[k - 1]!;
      const upper = LATENCY_BOUNDS_MS[k];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * Math.max(0, rank - before)) / count;
    }
    before += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
