// Public dashboards (lld-backend.md §7.1): dashboard, ticker, network stats, vectors, leaderboard.
import type { BaseDeps, MayLagDeps, Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { registerPublicRoutes } from "./routes";

/** The public dashboards: no credentials, read models over the ledger's rollups. */
export function publicModule(deps: BaseDeps & MayLagDeps): Module {
  const router = newRouter();
  registerPublicRoutes(router, deps);
  return { router };
}

export { getNetworkStats, getTicker, tickerItemsByIds, getVectors, getLeaderboard, getDashboard, type PublicCtx } from "./service";
export { REGIONS, regionOf, type Region } from "./regions";
export { TickerItemSchema, NetworkStatsSchema, type TickerItem, type NetworkStats } from "./schemas";
