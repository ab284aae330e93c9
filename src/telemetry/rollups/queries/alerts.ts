import type { Tx } from "@/db/client";

// Alerts claim their (kind, entity, window) row first (sql/0017): only a statement that inserted
// it goes on to notify, in the same transaction, so an alert fires once however many runs and
// replicas evaluate it. Each statement returns the alerts it claimed, with what to tell.

export interface ErrorRateAlert {
  vendor_id: bigint;
  gateway_id: string;
  hour: Date;
  requests: bigint;
  status_5xx: bigint;
}

/** Gateways whose 5xx share of an hour of `r` passed `threshold` (0..1) over at least `minRequests`. */
export async function claimErrorRateAlerts(
  sql: Tx,
  r: { from: Date; to: Date; now: Date },
  rule: { threshold: number; minRequests: number },
): Promise<ErrorRateAlert[]> {
  return sql<ErrorRateAlert[]>`
    WITH candidates AS (
      SELECT h.vendor_id, h.gateway_id, h.hour, h.requests, h.status_5xx,
             'gateway:' || h.vendor_id || ':' || h.gateway_id AS entity
      FROM telemetry_gateway_hourly h
      JOIN users u ON u.id = h.vendor_id
      WHERE h.hour >= ${r.from} AND h.hour < ${r.to}
        AND h.requests >= ${rule.minRequests}
        AND h.status_5xx::float8 > ${rule.threshold}::float8 * h.requests
    ), claimed AS (
      INSERT INTO telemetry_alerts (kind, entity, window_start, user_id, created_at)
      SELECT 'error_rate_high', entity, hour, vendor_id, ${r.now} FROM candidates ORDER BY entity, hour
      ON CONFLICT (kind, entity, window_start) DO NOTHING
      RETURNING entity, window_start
    )
    SELECT c.vendor_id, c.gateway_id, c.hour, c.requests, c.status_5xx
    FROM claimed JOIN candidates c ON c.entity = claimed.entity AND c.hour = claimed.window_start
    ORDER BY c.vendor_id, c.gateway_id, c.hour`;
}

export interface SolvencyAlert {
  agent_id: bigint;
  day: Date;
  observed_at: Date;
  source: "gateway" | "sdk";
  gateway_id: string | null;
  balance_atomic: bigint | null;
  burn_rate_1h_atomic: bigint | null;
}

/**
 * Agents at risk of running dry in `r`, once per agent and UTC day: a gateway's
 * com.machpay.agent.insolvency_risk about the agent's key, or its SDK's low_balance_warnings. The
 * latest report of the day is the one told.
 */
export async function claimSolvencyAlerts(sql: Tx, r: { from: Date; to: Date; now: Date }): Promise<SolvencyAlert[]> {
  return sql<SolvencyAlert[]>`
    WITH reports AS (
      SELECT k.user_id AS agent_id, s.time, 'gateway' AS source, s.gateway_id,
             s.remaining_balance_atomic AS balance_atomic, s.burn_rate_1h_atomic
      FROM solvency_alerts s
      JOIN device_keys k ON k.pubkey = s.agent AND k.kind = 'agent'
      WHERE s.time >= ${r.from} AND s.time < ${r.to}
      UNION ALL
      SELECT a.agent_id, a.time, 'sdk', NULL, telemetry_atomic(a.wallet -> 'usdc_balance_atomic'), NULL
      FROM agent_telemetry a
      WHERE a.time >= ${r.from} AND a.time < ${r.to} AND telemetry_warnings(a.wallet) > 0
    ), latest AS (
      SELECT DISTINCT ON (x.agent_id, x.day) x.agent_id, x.day, x.time AS observed_at, x.source, x.gateway_id,
             x.balance_atomic, x.burn_rate_1h_atomic
      FROM (SELECT reports.*, date_trunc('day', reports.time, 'UTC') AS day FROM reports) x
      JOIN users u ON u.id = x.agent_id
      ORDER BY x.agent_id, x.day, x.time DESC
    ), claimed AS (
      INSERT INTO telemetry_alerts (kind, entity, window_start, user_id, created_at)
      SELECT 'insolvency_risk', 'agent:' || agent_id, day, agent_id, ${r.now} FROM latest ORDER BY agent_id, day
      ON CONFLICT (kind, entity, window_start) DO NOTHING
      RETURNING user_id, window_start
    )
    SELECT l.* FROM claimed JOIN latest l ON l.agent_id = claimed.user_id AND l.day = claimed.window_start
    ORDER BY l.agent_id, l.day`;
}
