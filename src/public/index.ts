// Public dashboards (lld-backend.md §7.1): dashboard, ticker, network stats, vectors, leaderboard.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

export function registerPublicRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
