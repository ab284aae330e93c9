import type { Tx } from "@/db/client";
import type { HourRange } from "./common";

// The whole network per hour, summed from the per-gateway rows the same run just wrote, so that
// the public dashboard reads 24 rows whatever the number of gateways. Histograms are summed cell
// by cell (unnest WITH ORDINALITY, grouped by hour and cell).

export async function rollupNetwork(sql: Tx, r: HourRange): Promise<void> {
  await sql`
    WITH cells AS (
      SELECT hour, u.i, sum(u.v) AS n
      FROM telemetry_gateway_hourly, unnest(latency_buckets) WITH ORDINALITY AS u(v, i)
      WHERE hour >= ${r.from} AND hour < ${r.to}
      GROUP BY 1, 2
    ), hist AS (
      SELECT hour, array_agg(n::bigint ORDER BY i) AS buckets FROM cells GROUP BY 1
    ), sums AS (
      SELECT hour, count(*) AS gateways, sum(authorized_count) AS authorized_count, sum(authorized_atomic) AS authorized_atomic,
             sum(blocked_count) AS blocked_count, sum(requests) AS requests, sum(status_402) AS status_402, sum(status_5xx) AS status_5xx
      FROM telemetry_gateway_hourly
      WHERE hour >= ${r.from} AND hour < ${r.to}
      GROUP BY 1
    )
    INSERT INTO telemetry_network_hourly AS t
      (hour, gateways, authorized_count, authorized_atomic, latency_buckets, blocked_count, requests, status_402, status_5xx, rolled_at)
    SELECT s.hour, s.gateways, s.authorized_count, s.authorized_atomic, h.buckets, s.blocked_count, s.requests, s.status_402, s.status_5xx, ${r.now}
    FROM sums s JOIN hist h USING (hour)
    ORDER BY 1
    ON CONFLICT (hour) DO UPDATE SET
      gateways = EXCLUDED.gateways, authorized_count = EXCLUDED.authorized_count, authorized_atomic = EXCLUDED.authorized_atomic,
      latency_buckets = EXCLUDED.latency_buckets, blocked_count = EXCLUDED.blocked_count, requests = EXCLUDED.requests,
      status_402 = EXCLUDED.status_402, status_5xx = EXCLUDED.status_5xx, rolled_at = EXCLUDED.rolled_at`;

  await sql`
    WITH cells AS (
      SELECT hour, route, u.i, sum(u.v99) AS n99, sum(u.v50) AS n50
      FROM telemetry_route_hourly, unnest(latency_p99_buckets, latency_p50_buckets) WITH ORDINALITY AS u(v99, v50, i)
      WHERE hour >= ${r.from} AND hour < ${r.to}
      GROUP BY 1, 2, 3
    ), hist AS (
      SELECT hour, route, array_agg(n99::bigint ORDER BY i) AS p99, array_agg(n50::bigint ORDER BY i) AS p50
      FROM cells
      GROUP BY 1, 2
    ), sums AS (
      SELECT hour, route, count(*) AS gateways, sum(requests) AS requests, sum(status_402) AS status_402, sum(status_5xx) AS status_5xx
      FROM telemetry_route_hourly
      WHERE hour >= ${r.from} AND hour < ${r.to}
      GROUP BY 1, 2
    )
    INSERT INTO telemetry_network_route_hourly AS t
      (hour, route, gateways, requests, status_402, status_5xx, latency_p99_buckets, latency_p50_buckets, rolled_at)
    SELECT s.hour, s.route, s.gateways, s.requests, s.status_402, s.status_5xx, h.p99, h.p50, ${r.now}
    FROM sums s JOIN hist h USING (hour, route)
    ORDER BY 1, 2
    ON CONFLICT (hour, route) DO UPDATE SET
      gateways = EXCLUDED.gateways, requests = EXCLUDED.requests, status_402 = EXCLUDED.status_402, status_5xx = EXCLUDED.status_5xx,
      latency_p99_buckets = EXCLUDED.latency_p99_buckets, latency_p50_buckets = EXCLUDED.latency_p50_buckets,
      rolled_at = EXCLUDED.rolled_at`;
}
