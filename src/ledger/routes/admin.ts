import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "@/core/errors";
import type { LedgerDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonContent } from "@/http/route-helpers";
import { access, guarded } from "@/http/guards";
import { auditLedger } from "../audit";

const amount = z.string();
const AuditSchema = z
  .object({
    ok: z.boolean(),
    negative_balances: z.number().int(),
    mints: z.array(
      z.object({
        token_mint: z.string(),
        inflows: z.object({ deposits_atomic: amount, intents_pending_atomic: amount, intents_settled_atomic: amount, total_atomic: amount }),
        holdings: z.object({
          agent_available_atomic: amount,
          agent_bonded_atomic: amount,
          vendor_unsettled_atomic: amount,
          vendor_debt_atomic: amount,
          payouts_open_atomic: amount,
          payouts_confirmed_atomic: amount,
          fees_atomic: amount,
          total_atomic: amount,
        }),
        difference_atomic: amount,
        balanced: z.boolean(),
        settled_on_chain: z
          .object({ x402_exact_count: z.number().int(), x402_exact_atomic: amount })
          .openapi({ description: "x402 exact payments: paid on chain from the payer's wallet to the vendor's, recorded, outside the identity (no ledger balance moved)" }),
      }),
    ),
  })
  .openapi("LedgerAudit");

const auditRoute = createRoute({
  method: "get",
  path: "/v1/admin/ledger/audit",
  operationId: "auditLedger",
  tags: ["ledger"],
  summary: "The ledger's conservation identity per mint, and the count of negative balances",
  ...access.admin(),
  responses: { 200: jsonContent("The audit", AuditSchema), ...errorsFor(401, 503) },
});

/** Admin routes take ADMIN_TOKEN, compared in constant time; off when it is not configured. */
export const requireAdmin = (deps: LedgerDeps): MiddlewareHandler<HonoEnv> => async (c, next) => {
  const expected = deps.config.ADMIN_TOKEN;
  if (!expected) throw new AppError("admin_disabled", "ADMIN_TOKEN is not configured");
  const given = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AppError("unauthorized", "admin token required");
  await next();
};

export function registerAdminLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: LedgerDeps) {
  router.openapi(guarded(auditRoute, requireAdmin(deps)), async (c) => c.json(await auditLedger(deps.sql, deps.config.USDC_MINT), 200));
}
