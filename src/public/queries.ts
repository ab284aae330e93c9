import type { Tx } from "@/db/client";

// Read models of the public dashboards: recent transactions (by the created_at index) and the
// rollups of sql/0011 (a few thousand rows whatever the number of transactions).

export interface TickerRow {
  id: string;
  amount_atomic: bigint;
  token_mint: string;
  service_id: string | null;
  service_type: string | null;
  region: string | null;
  latency_ms: number | null;
  source: "api" | "gateway" | "simulation" | "x402" | "x402_exact";
  created_at: Date;
}

// One reading of a transaction as a ticker row, for GET /v1/ticker and the SSE ticker topic alike.
const tickerSelect = (sql: Tx) => sql`
    SELECT t.id, t.amount_atomic, t.token_mint, t.service_id,
           COALESCE(s.service_type, p.service_type) AS service_type,
           t.region, t.latency_ms, t.source, t.created_at
    FROM transactions t
    LEFT JOIN services s ON s.id = t.service_id
    LEFT JOIN profiles p ON p.user_id = t.to_vendor_id`;

export async function recentTransactions(sql: Tx, limit: number): Promise<TickerRow[]> {
  return sql<TickerRow[]>`
    ${tickerSelect(sql)}
    WHERE t.status = 'confirmed'
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT ${limit}`;
}

/** The named transactions' ticker rows (any order). */
export async function tickerRowsByIds(sql: Tx, ids: string[]): Promise<TickerRow[]> {
  if (ids.length === 0) return [];
  return sql<TickerRow[]>`
    ${tickerSelect(sql)}
    WHERE t.id = ANY(${ids}::text[])`;
}

export interface TotalsRow {
  tx_count: bigint;
  volume_atomic: bigint;
  latency_sum_ms: bigint;
  latency_count: bigint;
  recent_count: bigint;
}

/** Sums of the minute rollup since `since`, and the count since `recentSince` (for tps). */
export async function networkTotals(sql: Tx, since: Date, recentSince: Date): Promise<TotalsRow> {
  const [row] = await sql<TotalsRow[]>`
    SELECT COALESCE(sum(tx_count), 0) AS tx_count,
           COALESCE(sum(volume_atomic), 0) AS volume_atomic,
           COALESCE(sum(latency_sum_ms), 0) AS latency_sum_ms,
           COALESCE(sum(latency_count), 0) AS latency_count,
           COALESCE(sum(tx_count) FILTER (WHERE minute >= ${recentSince}), 0) AS recent_count
    FROM network_minute_stats
    WHERE minute >= ${since}`;
  return row!;
}

/** Agents that paid and vendors that were paid since `since` (to within 5 minutes: sql/0011). */
export async function activeParticipants(sql: Tx, since: Date): Promise<{ agents: bigint; vendors: bigint }> {
  const [row] = await sql<{ agents: bigint; vendors: bigint }[]>`
    SELECT (SELECT count(*) FROM network_participants WHERE role = 'a' AND last_active_at >= ${since}) AS agents,
           (SELECT count(*) FROM network_participants WHERE role = 'v' AND last_active_at >= ${since}) AS vendors`;
  return row!;
}

export async function profileTotals(sql: Tx): Promise<{ agents: bigint; vendors: bigint }> {
  const [row] = await sql<{ agents: bigint; vendors: bigint }[]>`
    SELECT count(*) FILTER (WHERE type = 'agent') AS agents,
           count(*) FILTER (WHERE type = 'vendor') AS vendors
    FROM profiles`;
  return row!;
}

export interface FlowRow {
  from_region: string;
  to_region: string;
  tx_count: bigint;
  volume_atomic: bigint;
}

export async function regionFlows(sql: Tx, sinceHour: Date, limit: number): Promise<FlowRow[]> {
  return sql<FlowRow[]>`
    SELECT from_region, to_region, sum(tx_count) AS tx_count, sum(volume_atomic) AS volume_atomic
    FROM network_flows_hourly
    WHERE hour >= ${sinceHour}
    GROUP BY from_region, to_region
    ORDER BY volume_atomic DESC, from_region, to_region
    LIMIT ${limit}`;
}

export interface LeaderRow {
  user_id: bigint;
  volume_atomic: bigint;
  name: string | null;
  is_simulated: boolean;
}

/** Top spenders since `fromDay` (UTC, inclusive), from the engine's per-day spend. */
export async function topSpenders(sql: Tx, fromDay: string, limit: number): Promise<LeaderRow[]> {
  return sql<LeaderRow[]>`
    WITH top AS (
      SELECT user_id, sum(spent_atomic) AS volume_atomic
      FROM agent_daily_spend
      WHERE day >= ${fromDay}::date
      GROUP BY user_id
      ORDER BY volume_atomic DESC, user_id
      LIMIT ${limit}
    )
    SELECT top.user_id, top.volume_atomic, p.name, u.is_simulated
    FROM top
    JOIN users u ON u.id = top.user_id
    LEFT JOIN profiles p ON p.user_id = top.user_id
    ORDER BY top.volume_atomic DESC, top.user_id`;
}
