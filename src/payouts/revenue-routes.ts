import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { access } from "@/http/guards";
import { ctxOf } from "@/http/context";
import type { BaseDeps } from "@/http/module";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonContent } from "@/http/route-helpers";
import { getVendorRevenue, RevenueSeriesSchema } from "./revenue";

const revenueRoute = createRoute({
  method: "get",
  path: "/v1/vendor/revenue",
  operationId: "getVendorRevenue",
  tags: ["payouts"],
  summary: "The vendor's revenue over time: per hour over the last 24 h, or per day over 7 or 30 days",
  description:
    "Each bucket sums the vendor's confirmed payments less fees (the ledger's revenue_atomic of GET /v1/vendor/stats, split by time), UTC, empty buckets included.",
  ...access.role("operator"),
  request: {
    query: z.object({
      period: z.enum(["24h", "7d", "30d"]).default("7d").openapi({ description: "24h: hourly buckets; 7d and 30d: daily", example: "7d" }),
    }),
  },
  responses: { 200: jsonContent("Revenue per bucket, oldest first", RevenueSeriesSchema), ...errorsFor(400, 401, 403) },
});

export function registerRevenueRoutes(router: OpenAPIHono<HonoEnv>, deps: BaseDeps) {
  router.openapi(revenueRoute, async (c) => {
    const series = await getVendorRevenue(ctxOf(deps, c), { period: c.req.valid("query").period, tokenMint: deps.config.USDC_MINT });
    return c.json(series, 200);
  });
}
