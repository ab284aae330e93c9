// Public dashboards (lld-backend.md §7.1): dashboard, ticker, network stats, vectors, leaderboard.
export { registerPublicRoutes } from "./routes";
export { getNetworkStats, getTicker, getVectors, getLeaderboard, getDashboard, type PublicCtx } from "./service";
export { REGIONS, regionOf, type Region } from "./regions";
export { TickerItemSchema, NetworkStatsSchema, type TickerItem, type NetworkStats } from "./schemas";
