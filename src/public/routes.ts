import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { mayLagCtxOf } from "@/http/context";
import type { BaseDeps, MayLagDeps } from "@/http/module";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonContent } from "@/http/route-helpers";
import { DashboardSchema, GlobeVectorSchema, LeaderboardItemSchema, NetworkStatsSchema, TickerItemSchema } from "./schemas";
import { getDashboard, getLeaderboard, getNetworkStats, getTicker, getVectors, PERIOD_DAYS, type PublicCtx } from "./service";
import { access } from "@/http/guards";

// Public dashboards (lld-backend.md §7.1): no credentials; bare arrays take ?limit= (contract.md).

const tags = ["public"];
const limitQuery = (fallback: number) => z.object({ limit: z.coerce.number().int().min(1).max(200).default(fallback) });

const dashboardRoute = createRoute({
  method: "get",
  path: "/v1/public/dashboard",
  operationId: "getPublicDashboard",
  ...access.public(),
  tags,
  summary: "Everything the public dashboard draws: network stats, recent payments, flows, leaderboard, data centers",
  responses: { 200: jsonContent("The dashboard", DashboardSchema), ...errorsFor() },
});

const tickerRoute = createRoute({
  method: "get",
  path: "/v1/ticker",
  operationId: "getTicker",
  ...access.public(),
  tags,
  summary: "Recent payments, newest first, anonymized (no user ids or wallets)",
  request: { query: limitQuery(50) },
  responses: { 200: jsonContent("Recent payments", z.array(TickerItemSchema)), ...errorsFor(400) },
});

const statsRoute = createRoute({
  method: "get",
  path: "/v1/network/stats",
  operationId: "getNetworkStats",
  ...access.public(),
  tags,
  summary: "Network volume, payment count, throughput, latency and active participants",
  responses: { 200: jsonContent("Network stats", NetworkStatsSchema), ...errorsFor() },
});

const vectorsRoute = createRoute({
  method: "get",
  path: "/v1/network/vectors",
  operationId: "getNetworkVectors",
  ...access.public(),
  tags,
  summary: "Payment flows between data-center regions over 24 hours, with coordinates (globe)",
  request: { query: limitQuery(50) },
  responses: { 200: jsonContent("Flows, largest first", z.array(GlobeVectorSchema)), ...errorsFor(400) },
});

const leaderboardRoute = createRoute({
  method: "get",
  path: "/v1/agents/leaderboard",
  operationId: "getAgentLeaderboard",
  ...access.public(),
  tags,
  summary: "Agents ranked by spend over a period",
  request: {
    query: limitQuery(50).extend({
      period: z.enum(Object.keys(PERIOD_DAYS) as [keyof typeof PERIOD_DAYS]).default("7d").openapi({ description: "24h, 7d or 30d (UTC days)" }),
    }),
  },
  responses: { 200: jsonContent("Top agents", z.array(LeaderboardItemSchema)), ...errorsFor(400) },
});

export function registerPublicRoutes(router: OpenAPIHono<HonoEnv>, deps: BaseDeps & MayLagDeps) {
  // Aggregates anyone may see, a second stale at best (Cache-Control): the replica may serve them.
  const ctx = (c: Context<HonoEnv>) => mayLagCtxOf(deps, c);
  const publicCtx = (c: Context<HonoEnv>): PublicCtx => ({ ...ctx(c), tokenMint: deps.config.USDC_MINT });
  // Shared caches may keep these for a second: they change with every payment anyway.
  const cacheable = (c: Context<HonoEnv>) => c.header("Cache-Control", "public, max-age=1");

  router.openapi(dashboardRoute, async (c) => {
    cacheable(c);
    return c.json(await getDashboard(publicCtx(c)), 200);
  });
  router.openapi(tickerRoute, async (c) => {
    cacheable(c);
    return c.json(await getTicker(ctx(c), c.req.valid("query")), 200);
  });
  router.openapi(statsRoute, async (c) => {
    cacheable(c);
    return c.json(await getNetworkStats(publicCtx(c)), 200);
  });
  router.openapi(vectorsRoute, async (c) => {
    cacheable(c);
    return c.json(await getVectors(ctx(c), c.req.valid("query")), 200);
  });
  router.openapi(leaderboardRoute, async (c) => {
    cacheable(c);
    return c.json(await getLeaderboard(ctx(c), c.req.valid("query")), 200);
  });
}
