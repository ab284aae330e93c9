import type { Tx } from "@/db/client";
import { BOUNDS, BUCKETS, OTHER_ROUTE, ROUTE_PATTERN, type HourRange } from "./common";

/**
 * Recomputes telemetry_route_hourly for the hours of `r` from the deep packets' business.routes
 * ({"/chat": {"200": n, "402": n, "500": n, "latency_p99": ms, "latency_p50"?: ms}}). A route's
 * latency per packet is one figure for its period, so it enters the histogram weighted by the
 * period's requests on that route. A packet counts in the hour its period ends in (its time is
 * period_end, and a period ending at 13:00:00 ended in the 12:00 hour). Values that are not what the packet format says (a string
 * count, a negative latency) are left out, never an error: one bad packet must not stop the rollup.
 */
export async function rollupRoutes(sql: Tx, r: HourRange): Promise<void> {
  await sql`
    WITH rp AS MATERIALIZED (
      SELECT date_trunc('hour', g.time - interval '1 microsecond', 'UTC') AS hour, g.vendor_id, g.gateway_id,
             CASE WHEN rt.key ~ ${ROUTE_PATTERN} THEN rt.key ELSE ${OTHER_ROUTE} END AS route,
             c.requests, c.s2xx, c.s402, c.s4xx, c.s5xx,
             width_bucket(telemetry_ms(rt.value -> 'latency_p99'), ${BOUNDS}::float8[]) AS b99,
             width_bucket(telemetry_ms(rt.value -> 'latency_p50'), ${BOUNDS}::float8[]) AS b50
      FROM gateway_telemetry g
      CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(g.business -> 'routes') = 'object' THEN g.business -> 'routes' ELSE '{}'::jsonb END) AS rt(key, value)
      CROSS JOIN LATERAL (
        SELECT COALESCE(sum(n), 0) AS requests,
               COALESCE(sum(n) FILTER (WHERE code BETWEEN 200 AND 299), 0) AS s2xx,
               COALESCE(sum(n) FILTER (WHERE code = 402), 0) AS s402,
               COALESCE(sum(n) FILTER (WHERE code BETWEEN 400 AND 499 AND code <> 402), 0) AS s4xx,
               COALESCE(sum(n) FILTER (WHERE code BETWEEN 500 AND 599), 0) AS s5xx
        FROM (
          SELECT CASE WHEN s.key ~ '^[1-5][0-9][0-9]$' THEN s.key::int END AS code, telemetry_count(s.value) AS n
          FROM jsonb_each(CASE WHEN jsonb_typeof(rt.value) = 'object' THEN rt.value ELSE '{}'::jsonb END) AS s(key, value)
        ) statuses
        WHERE code IS NOT NULL
      ) c
      WHERE g.time > ${r.from} AND g.time <= ${r.to} AND g.vendor_id IS NOT NULL
    ), totals AS (
      SELECT hour, vendor_id, gateway_id, route,
             sum(requests) AS requests, sum(s2xx) AS s2xx, sum(s402) AS s402, sum(s4xx) AS s4xx, sum(s5xx) AS s5xx
      FROM rp
      GROUP BY 1, 2, 3, 4
    ), h99 AS (
      SELECT hour, vendor_id, gateway_id, route, telemetry_histogram(array_agg(b), array_agg(n), ${BUCKETS}) AS buckets
      FROM (SELECT hour, vendor_id, gateway_id, route, b99 AS b, sum(GREATEST(requests, 1)) AS n FROM rp WHERE b99 IS NOT NULL GROUP BY 1, 2, 3, 4, 5) x
      GROUP BY 1, 2, 3, 4
    ), h50 AS (
      SELECT hour, vendor_id, gateway_id, route, telemetry_histogram(array_agg(b), array_agg(n), ${BUCKETS}) AS buckets
      FROM (SELECT hour, vendor_id, gateway_id, route, b50 AS b, sum(GREATEST(requests, 1)) AS n FROM rp WHERE b50 IS NOT NULL GROUP BY 1, 2, 3, 4, 5) x
      GROUP BY 1, 2, 3, 4
    )
    INSERT INTO telemetry_route_hourly AS t
      (hour, vendor_id, gateway_id, route, requests, status_2xx, status_402, status_4xx, status_5xx, latency_p99_buckets, latency_p50_buckets, rolled_at)
    SELECT x.hour, x.vendor_id, x.gateway_id, x.route, x.requests, x.s2xx, x.s402, x.s4xx, x.s5xx,
           COALESCE(h99.buckets, array_fill(0::bigint, ARRAY[${BUCKETS}::int])),
           COALESCE(h50.buckets, array_fill(0::bigint, ARRAY[${BUCKETS}::int])),
           ${r.now}
    FROM totals x
    LEFT JOIN h99 USING (hour, vendor_id, gateway_id, route)
    LEFT JOIN h50 USING (hour, vendor_id, gateway_id, route)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (hour, vendor_id, gateway_id, route) DO UPDATE SET
      requests = EXCLUDED.requests, status_2xx = EXCLUDED.status_2xx, status_402 = EXCLUDED.status_402,
      status_4xx = EXCLUDED.status_4xx, status_5xx = EXCLUDED.status_5xx,
      latency_p99_buckets = EXCLUDED.latency_p99_buckets, latency_p50_buckets = EXCLUDED.latency_p50_buckets,
      rolled_at = EXCLUDED.rolled_at`;
}
