import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS } from "../histogram";

// What every rollup statement shares: the hours it recomputes and the histogram's bounds.

/** The hours [from, to) a run recomputes, and the time it ran (stored as rolled_at). */
export interface HourRange {
  from: Date;
  to: Date;
  now: Date;
}

/**
 * The bucket bounds as an array literal, cast to the float8[] width_bucket takes where used. Text,
 * not sql.array(): postgres.js resolves an array parameter's type from the types a connection
 * fetched, and on a pool's first query there are none yet.
 */
export const BOUNDS = `{${LATENCY_BOUNDS_MS.join(",")}}`;

export const BUCKETS = LATENCY_BUCKETS;

/**
 * A route name as a dashboard may show it: a path of at most 128 characters in the characters of
 * a URL path (plus {} and * of route patterns). Anything else a gateway reports is counted under
 * "(other)", so that the totals stay whole and no odd text reaches a public page.
 */
export const ROUTE_PATTERN = "^/[A-Za-z0-9._~:@%/{}*+-]{0,127}$";
export const OTHER_ROUTE = "(other)";

/** A reason of request.blocked kept as the gateway sent it; others count as "other". */
export const REASON_PATTERN = "^[a-z0-9_.-]{1,64}$";
