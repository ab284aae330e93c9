import type { Tx } from "@/db/client";
import { BOUNDS, BUCKETS, type HourRange } from "./common";

/**
 * Recomputes telemetry_agent_hourly for the hours of `r`, per agent (its user id): what its SDK
 * packets said (interactions summed over vendors; payment_latency_p99 weighted by the attempts it
 * covers; wallet warnings and the last USDC balance) and what gateways said about its key
 * (payment.authorized and request.blocked, the key resolved through the agent's linked device
 * keys: events about a key nobody linked belong to no agent here, only to their gateway). Packets
 * count in the hour their period ends in, as the gateways' (routes.ts).
 */
export async function rollupAgents(sql: Tx, r: HourRange): Promise<void> {
  await sql`
    WITH packets AS (
      SELECT date_trunc('hour', time - interval '1 microsecond', 'UTC') AS hour, agent_id, count(*) AS n,
             sum(telemetry_warnings(wallet)) AS warnings,
             (array_agg(telemetry_atomic(wallet -> 'usdc_balance_atomic') ORDER BY time DESC)
                FILTER (WHERE telemetry_atomic(wallet -> 'usdc_balance_atomic') IS NOT NULL))[1] AS usdc
      FROM agent_telemetry
      WHERE time > ${r.from} AND time <= ${r.to} AND agent_id IS NOT NULL
      GROUP BY 1, 2
    ), it AS MATERIALIZED (
      SELECT date_trunc('hour', a.time - interval '1 microsecond', 'UTC') AS hour, a.agent_id,
             COALESCE(telemetry_count(i.value -> 'attempts'), 0) AS attempts,
             COALESCE(telemetry_count(i.value -> 'success'), 0) AS successes,
             COALESCE(telemetry_count(i.value -> 'failures'),
                      GREATEST(telemetry_count(i.value -> 'attempts') - telemetry_count(i.value -> 'success'), 0), 0) AS failures,
             COALESCE(telemetry_atomic(i.value -> 'spend_atomic'), 0) AS spend,
             width_bucket(telemetry_ms(i.value -> 'payment_latency_p99'), ${BOUNDS}::float8[]) AS b
      FROM agent_telemetry a
      CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(a.interactions) = 'object' THEN a.interactions ELSE '{}'::jsonb END) AS i(key, value)
      WHERE a.time > ${r.from} AND a.time <= ${r.to} AND a.agent_id IS NOT NULL AND jsonb_typeof(i.value) = 'object'
    ), interactions AS (
      SELECT hour, agent_id, sum(attempts) AS attempts, sum(successes) AS successes, sum(failures) AS failures, sum(spend) AS spend
      FROM it
      GROUP BY 1, 2
    ), sdk_latency AS (
      SELECT hour, agent_id, telemetry_histogram(array_agg(b), array_agg(n), ${BUCKETS}) AS buckets
      FROM (SELECT hour, agent_id, b, sum(GREATEST(attempts, 1)) AS n FROM it WHERE b IS NOT NULL GROUP BY 1, 2, 3) x
      GROUP BY 1, 2
    ), pa AS (
      SELECT date_trunc('hour', p.time, 'UTC') AS hour, k.user_id AS agent_id,
             width_bucket(p.latency_ms::float8, ${BOUNDS}::float8[]) AS b, count(*) AS n, sum(p.amount_atomic) AS amount
      FROM payment_authorized p
      JOIN device_keys k ON k.pubkey = p.agent AND k.kind = 'agent'
      WHERE p.time >= ${r.from} AND p.time < ${r.to}
      GROUP BY 1, 2, 3
    ), authorized AS (
      SELECT hour, agent_id, sum(n) AS n, sum(amount) AS amount,
             telemetry_histogram(array_agg(b) FILTER (WHERE b IS NOT NULL), array_agg(n) FILTER (WHERE b IS NOT NULL), ${BUCKETS}) AS buckets
      FROM pa
      GROUP BY 1, 2
    ), blocked AS (
      SELECT date_trunc('hour', rb.time, 'UTC') AS hour, k.user_id AS agent_id, count(*) AS n
      FROM request_blocked rb
      JOIN device_keys k ON k.pubkey = rb.agent AND k.kind = 'agent'
      WHERE rb.time >= ${r.from} AND rb.time < ${r.to}
      GROUP BY 1, 2
    ), agents AS (
      SELECT hour, agent_id FROM packets
      UNION SELECT hour, agent_id FROM authorized
      UNION SELECT hour, agent_id FROM blocked
    )
    INSERT INTO telemetry_agent_hourly AS t
      (hour, agent_id, sdk_packets, attempts, successes, failures, spend_atomic, payment_latency_buckets, low_balance_warnings,
       usdc_balance_atomic, gateway_authorized_count, gateway_authorized_atomic, gateway_blocked_count, gateway_latency_buckets, rolled_at)
    SELECT g.hour, g.agent_id, COALESCE(p.n, 0), COALESCE(i.attempts, 0), COALESCE(i.successes, 0), COALESCE(i.failures, 0),
           COALESCE(i.spend, 0), COALESCE(l.buckets, array_fill(0::bigint, ARRAY[${BUCKETS}::int])), COALESCE(p.warnings, 0), p.usdc,
           COALESCE(a.n, 0), COALESCE(a.amount, 0), COALESCE(b.n, 0), COALESCE(a.buckets, array_fill(0::bigint, ARRAY[${BUCKETS}::int])),
           ${r.now}
    FROM agents g
    LEFT JOIN packets p USING (hour, agent_id)
    LEFT JOIN interactions i USING (hour, agent_id)
    LEFT JOIN sdk_latency l USING (hour, agent_id)
    LEFT JOIN authorized a USING (hour, agent_id)
    LEFT JOIN blocked b USING (hour, agent_id)
    ORDER BY 1, 2
    ON CONFLICT (hour, agent_id) DO UPDATE SET
      sdk_packets = EXCLUDED.sdk_packets, attempts = EXCLUDED.attempts, successes = EXCLUDED.successes,
      failures = EXCLUDED.failures, spend_atomic = EXCLUDED.spend_atomic,
      payment_latency_buckets = EXCLUDED.payment_latency_buckets, low_balance_warnings = EXCLUDED.low_balance_warnings,
      usdc_balance_atomic = EXCLUDED.usdc_balance_atomic, gateway_authorized_count = EXCLUDED.gateway_authorized_count,
      gateway_authorized_atomic = EXCLUDED.gateway_authorized_atomic, gateway_blocked_count = EXCLUDED.gateway_blocked_count,
      gateway_latency_buckets = EXCLUDED.gateway_latency_buckets, rolled_at = EXCLUDED.rolled_at`;
}
