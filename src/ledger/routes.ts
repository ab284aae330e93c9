import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireRole } from "@/auth";
import { ctxOf } from "@/http/context";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";
import { jsonContent, errorsFor } from "@/http/route-helpers";
import { getMyBalance, type LedgerCtx } from "./balance";
import { BalanceSchema } from "./schemas";

const balanceRoute = createRoute({
  method: "get",
  path: "/v1/agent/balance",
  operationId: "getAgentBalance",
  tags: ["agent"],
  summary: "The agent's balances: available, bonded and pending, in atomic units",
  security: [{ bearerAuth: [] }],
  responses: { 200: jsonContent("Balances", BalanceSchema), ...errorsFor(401, 403) },
});

export const ledgerCtx = (deps: AppDeps, c: Parameters<typeof ctxOf>[1]): LedgerCtx => ({ ...ctxOf(deps, c), tokenMint: deps.config.USDC_MINT });

export function registerLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: AppDeps) {
  router.use("/v1/agent/balance", requireRole("architect"));
  router.openapi(balanceRoute, async (c) => c.json(await getMyBalance(ledgerCtx(deps, c)), 200));
}
