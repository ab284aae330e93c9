import type { OpenAPIHono } from "@hono/zod-openapi";
import type { LedgerDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { registerAdminLedgerRoutes } from "./admin";
import { registerAgentLedgerRoutes } from "./agent";
import { registerGatewayLedgerRoutes } from "./gateway";
import { registerGatewayBatchRoute } from "./gateway-batch";

export function registerLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: LedgerDeps) {
  registerAgentLedgerRoutes(router, deps);
  registerGatewayLedgerRoutes(router, deps);
  registerGatewayBatchRoute(router, deps);
  registerAdminLedgerRoutes(router, deps);
}
