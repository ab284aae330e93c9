import type { Tx } from "@/db/client";
import { BOUNDS, BUCKETS, REASON_PATTERN, type HourRange } from "./common";

/**
 * Recomputes telemetry_gateway_hourly for the hours of `r`: payment.authorized (count, amount,
 * latency histogram) and request.blocked (count by reason) from the CloudEvents, heartbeats and
 * process uptime from the deep packets, and requests by status summed from the route rows of the
 * same hours (rollupRoutes runs first, in the same transaction). Each source is grouped by bucket
 * or reason first, so the raw rows go through plain hash aggregates only.
 */
export async function rollupGateways(sql: Tx, r: HourRange): Promise<void> {
  await sql`
    WITH pa AS (
      SELECT date_trunc('hour', time, 'UTC') AS hour, vendor_id, gateway_id,
             width_bucket(latency_ms::float8, ${BOUNDS}::float8[]) AS b, count(*) AS n, sum(amount_atomic) AS amount
      FROM payment_authorized
      WHERE time >= ${r.from} AND time < ${r.to} AND vendor_id IS NOT NULL
      GROUP BY 1, 2, 3, 4
    ), authorized AS (
      SELECT hour, vendor_id, gateway_id, sum(n) AS n, sum(amount) AS amount,
             telemetry_histogram(array_agg(b) FILTER (WHERE b IS NOT NULL), array_agg(n) FILTER (WHERE b IS NOT NULL), ${BUCKETS}) AS buckets
      FROM pa
      GROUP BY 1, 2, 3
    ), rb AS (
      SELECT date_trunc('hour', time, 'UTC') AS hour, vendor_id, gateway_id,
             CASE WHEN reason ~ ${REASON_PATTERN} THEN reason ELSE 'other' END AS reason, count(*) AS n
      FROM request_blocked
      WHERE time >= ${r.from} AND time < ${r.to} AND vendor_id IS NOT NULL
      GROUP BY 1, 2, 3, 4
    ), blocked AS (
      SELECT hour, vendor_id, gateway_id, sum(n) AS n, jsonb_object_agg(reason, n) AS by_reason
      FROM rb
      GROUP BY 1, 2, 3
    ), packets AS (
      SELECT date_trunc('hour', time - interval '1 microsecond', 'UTC') AS hour, vendor_id, gateway_id, count(*) AS n,
             LEAST(3600, sum(LEAST(3600, GREATEST(0, extract(epoch FROM period_end - period_start)))))::int AS heartbeat,
             (array_agg(telemetry_count(system -> 'uptime_seconds') ORDER BY time DESC))[1] AS process_uptime,
             min(period_start) AS first_at, max(time) AS last_at
      FROM gateway_telemetry
      WHERE time > ${r.from} AND time <= ${r.to} AND vendor_id IS NOT NULL
      GROUP BY 1, 2, 3
    ), statuses AS (
      SELECT hour, vendor_id, gateway_id, sum(requests) AS requests, sum(status_2xx) AS s2xx,
             sum(status_402) AS s402, sum(status_4xx) AS s4xx, sum(status_5xx) AS s5xx
      FROM telemetry_route_hourly
      WHERE hour >= ${r.from} AND hour < ${r.to}
      GROUP BY 1, 2, 3
    ), gateways AS (
      SELECT hour, vendor_id, gateway_id FROM authorized
      UNION SELECT hour, vendor_id, gateway_id FROM blocked
      UNION SELECT hour, vendor_id, gateway_id FROM packets
    )
    INSERT INTO telemetry_gateway_hourly AS t
      (hour, vendor_id, gateway_id, authorized_count, authorized_atomic, latency_buckets, blocked_count, blocked_by_reason,
       packets, requests, status_2xx, status_402, status_4xx, status_5xx, heartbeat_seconds, process_uptime_seconds,
       first_packet_at, last_packet_at, rolled_at)
    SELECT g.hour, g.vendor_id, g.gateway_id,
           COALESCE(a.n, 0), COALESCE(a.amount, 0), COALESCE(a.buckets, array_fill(0::bigint, ARRAY[${BUCKETS}::int])),
           COALESCE(b.n, 0), COALESCE(b.by_reason, '{}'::jsonb),
           COALESCE(p.n, 0), COALESCE(s.requests, 0), COALESCE(s.s2xx, 0), COALESCE(s.s402, 0), COALESCE(s.s4xx, 0), COALESCE(s.s5xx, 0),
           COALESCE(p.heartbeat, 0), p.process_uptime, p.first_at, p.last_at, ${r.now}
    FROM gateways g
    LEFT JOIN authorized a USING (hour, vendor_id, gateway_id)
    LEFT JOIN blocked b USING (hour, vendor_id, gateway_id)
    LEFT JOIN packets p USING (hour, vendor_id, gateway_id)
    LEFT JOIN statuses s USING (hour, vendor_id, gateway_id)
    ORDER BY 1, 2, 3
    ON CONFLICT (hour, vendor_id, gateway_id) DO UPDATE SET
      authorized_count = EXCLUDED.authorized_count, authorized_atomic = EXCLUDED.authorized_atomic,
      latency_buckets = EXCLUDED.latency_buckets, blocked_count = EXCLUDED.blocked_count,
      blocked_by_reason = EXCLUDED.blocked_by_reason, packets = EXCLUDED.packets, requests = EXCLUDED.requests,
      status_2xx = EXCLUDED.status_2xx, status_402 = EXCLUDED.status_402, status_4xx = EXCLUDED.status_4xx,
      status_5xx = EXCLUDED.status_5xx, heartbeat_seconds = EXCLUDED.heartbeat_seconds,
      process_uptime_seconds = EXCLUDED.process_uptime_seconds, first_packet_at = EXCLUDED.first_packet_at,
      last_packet_at = EXCLUDED.last_packet_at, rolled_at = EXCLUDED.rolled_at`;
}
