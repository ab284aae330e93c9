import type { Ctx } from "@/db/context";
import { getNetworkTelemetry, type NetworkTelemetry } from "@/telemetry";
import { sharedResults } from "./cache";
import { regionOf, REGIONS } from "./regions";
import { activeParticipants, networkTotals, profileTotals, recentTransactions, regionFlows, tickerRowsByIds, topSpenders, type TickerRow } from "./queries";
import type { Dashboard, GlobeVector, LeaderboardItem, NetworkStats, TickerItem } from "./schemas";

// Verbs of the public dashboards: anyone may call them, so they return no user ids or wallets.

export interface PublicCtx extends Ctx {
  tokenMint: string;
}

const HOUR = 3600_000;
const floorTo = (d: Date, ms: number) => new Date(Math.floor(d.getTime() / ms) * ms);

export const PERIOD_DAYS = { "24h": 1, "7d": 7, "30d": 30 } as const;
export type Period = keyof typeof PERIOD_DAYS;

export function toTickerItem(r: TickerRow): TickerItem {
  const region = regionOf(r.region);
  return {
    id: r.id,
    amount_atomic: r.amount_atomic.toString(),
    token_mint: r.token_mint,
    service_id: r.service_id,
    service_type: r.service_type,
    region: r.region,
    lat: region?.lat ?? null,
    lng: region?.lng ?? null,
    latency_ms: r.latency_ms,
    source: r.source,
    simulated: r.source === "simulation",
    created_at: r.created_at.toISOString(),
  };
}

export async function getTicker(ctx: Ctx, input: { limit: number }): Promise<TickerItem[]> {
  return (await recentTransactions(ctx.sql, input.limit)).map(toTickerItem);
}

/** The ticker items of these transactions, as GET /v1/ticker shows them, by id (the SSE ticker topic's items). */
export async function tickerItemsByIds(sql: Ctx["sql"], ids: string[]): Promise<Map<string, TickerItem>> {
  return new Map((await tickerRowsByIds(sql, ids)).map((r) => [r.id, toTickerItem(r)]));
}

// Gateway telemetry changes when the rollup runs (once a minute): read at most every 5 s, however
// many visitors and stats ticks ask.
const telemetryResults = sharedResults<NetworkTelemetry | undefined>(5000);
const networkTelemetry = (sql: Ctx["sql"], clock: Ctx["clock"], compute: () => Promise<NetworkTelemetry | undefined>) =>
  telemetryResults(sql, clock, "network", compute);

export async function getNetworkStats(ctx: PublicCtx): Promise<NetworkStats> {
  const now = ctx.clock.now();
  // tps over the current minute and the one before: the rollup's resolution is a minute.
  const recentSince = new Date(floorTo(now, 60_000).getTime() - 60_000);
  const [totals, active, profiles, telemetry] = await Promise.all([
    networkTotals(ctx.sql, new Date(now.getTime() - 24 * HOUR), recentSince),
    activeParticipants(ctx.sql, new Date(now.getTime() - 24 * HOUR)),
    profileTotals(ctx.sql),
    networkTelemetry(ctx.sql, ctx.clock, () => getNetworkTelemetry(ctx.sql, now)),
  ]);
  const seconds = Math.max(1, (now.getTime() - recentSince.getTime()) / 1000);
  return {
    volume_24h_atomic: totals.volume_atomic.toString(),
    tx_count_24h: Number(totals.tx_count),
    tps: Math.round((Number(totals.recent_count) / seconds) * 100) / 100,
    avg_latency_ms_24h: totals.latency_count > 0n ? Math.round((Number(totals.latency_sum_ms) / Number(totals.latency_count)) * 10) / 10 : null,
    active_agents_24h: Number(active.agents),
    active_vendors_24h: Number(active.vendors),
    agents_total: Number(profiles.agents),
    vendors_total: Number(profiles.vendors),
    token_mint: ctx.tokenMint,
    generated_at: now.toISOString(),
    // Absent rather than null without telemetry: the answer is then exactly what it was before it.
    ...(telemetry ? { telemetry } : {}),
  };
}

/** Flows between known data centers over 24 hours, largest first. */
export async function getVectors(ctx: Ctx, input: { limit: number }): Promise<GlobeVector[]> {
  const since = new Date(floorTo(ctx.clock.now(), HOUR).getTime() - 23 * HOUR);
  const out: GlobeVector[] = [];
  for (const f of await regionFlows(ctx.sql, since, input.limit)) {
    const from = regionOf(f.from_region);
    const to = regionOf(f.to_region);
    // A region id the catalogue does not know cannot be drawn on a globe.
    if (!from || !to) continue;
    out.push({
      from: { region: from.id, name: from.name, lat: from.lat, lng: from.lng },
      to: { region: to.id, name: to.name, lat: to.lat, lng: to.lng },
      tx_count_24h: Number(f.tx_count),
      volume_24h_atomic: f.volume_atomic.toString(),
    });
  }
  return out;
}

// The leaderboard sums days of spend for every agent: computed once per 2 s (the stats cadence),
// whatever the number of visitors (scripts/bench-public.ts).
const leaderboards = sharedResults<LeaderboardItem[]>(2000);

export function getLeaderboard(ctx: Ctx, input: { period: Period; limit: number }): Promise<LeaderboardItem[]> {
  return leaderboards(ctx.sql, ctx.clock, `${input.period}:${input.limit}`, async () => {
    const from = new Date(ctx.clock.now().getTime() - (PERIOD_DAYS[input.period] - 1) * 24 * HOUR).toISOString().slice(0, 10);
    const rows = await topSpenders(ctx.sql, from, input.limit);
    return rows.map((r, i) => ({ rank: i + 1, name: r.name ?? "Unnamed agent", volume_atomic: r.volume_atomic.toString(), simulated: r.is_simulated }));
  });
}

export async function getDashboard(ctx: PublicCtx): Promise<Dashboard> {
  const [stats, ticker, vectors, leaderboard] = await Promise.all([
    getNetworkStats(ctx),
    getTicker(ctx, { limit: 20 }),
    getVectors(ctx, { limit: 50 }),
    getLeaderboard(ctx, { period: "7d", limit: 10 }),
  ]);
  return { stats, ticker, vectors, leaderboard, regions: REGIONS.map((r) => ({ region: r.id, name: r.name, lat: r.lat, lng: r.lng })) };
}
