import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "@/http/guards";
import { getAgentBalance } from "@/ledger";
import { ctxOf } from "@/http/context";
import type { ChainDeps } from "./deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { depositAddressOf } from "./deposit-address";
import { claimDeposit, type DepositCtx } from "./deposits";
import { chainNotConfigured } from "./pda";
import { DepositAddressSchema, DepositRequestSchema, DepositResultSchema } from "./schemas";
import { chainSettings } from "./settings";

const architect = access.role("architect");

const depositRoute = createRoute({
  method: "post",
  path: "/v1/agent/deposit",
  operationId: "claimDeposit",
  tags: ["chain"],
  summary: "Credit a USDC transfer into the vault, by its transaction signature (once per signature)",
  description:
    "The transaction must be finalized, succeeded, move the configured mint into the vault token account, and come from one of the agent's " +
    "wallets (sign-in wallet or a linked key) or carry the memo machpay:<user id>. 409 deposit_not_final (retry), 404 transaction_not_found, " +
    "422 transaction_failed / not_a_deposit, 403 deposit_not_yours, 503 chain_* (retry).",
  ...architect,
  request: { body: jsonBody(DepositRequestSchema) },
  responses: { 200: jsonContent("Credited, or credited before", DepositResultSchema), ...errorsFor(400, 401, 403, 404, 409, 422, 503) },
});

const addressRoute = createRoute({
  method: "get",
  path: "/v1/agent/deposit-address",
  operationId: "getDepositAddress",
  tags: ["chain"],
  summary: "Where a wallet sends USDC to fund this agent",
  ...architect,
  responses: { 200: jsonContent("The vault and the memo naming this agent", DepositAddressSchema), ...errorsFor(401, 403, 503) },
});

export function depositCtx(deps: ChainDeps, c: Context<HonoEnv>): DepositCtx {
  const settings = chainSettings(deps.config);
  if (!deps.chain || !settings) throw chainNotConfigured();
  return { ...ctxOf(deps, c), chain: deps.chain, settings };
}

export function registerChainRoutes(router: OpenAPIHono<HonoEnv>, deps: ChainDeps) {
  router.openapi(depositRoute, async (c) => {
    const ctx = depositCtx(deps, c);
    const outcome = await claimDeposit(ctx, c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), tx_signature: outcome.txSignature, deposit: outcome.status });
    const balance = await getAgentBalance({ ...ctx, tokenMint: ctx.settings.mint }, outcome.userId);
    return c.json({ status: outcome.status, tx_signature: outcome.txSignature, amount_atomic: outcome.amount.toString(), balance }, 200);
  });
  router.openapi(addressRoute, (c) => c.json(depositAddressOf(deps.config, c.get("actor")), 200));
}
