import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { access } from "@/http/guards";
import { ctxOf } from "@/http/context";
import type { LedgerDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { depositBond, getLimits, getSettings, listTransactions, setLimits, setSettings, withdrawBond } from "../accounts";
import { actorUserId, getMyBalance } from "../balance";
import { idempotencyStore } from "../idempotency";
import { idempotencyKeyOf, sendIdempotent } from "@/http/idempotency";
import { payAsAgent } from "../agent-payment";
import {
  BalanceSchema,
  BondRequestSchema,
  LimitsSchema,
  PaymentResultSchema,
  PayRequestSchema,
  SettingsSchema,
  toTransactionDTO,
  TransactionListSchema,
} from "../schemas";
import type { Context } from "hono";
import { payCtx, sendPayment } from "./context";

const architect = access.role("architect");
const idempotencyHeader = z.object({
  "idempotency-key": z.string().optional().openapi({ description: "Retries with the same key and body replay the first answer; another body gets 409 idempotency_conflict" }),
});

const balanceRoute = createRoute({
  method: "get",
  path: "/v1/agent/balance",
  operationId: "getAgentBalance",
  tags: ["ledger"],
  summary: "The agent's balances: available, bonded and pending, in atomic units",
  ...architect,
  responses: { 200: jsonContent("Balances", BalanceSchema), ...errorsFor(401, 403) },
});

const transactionsRoute = createRoute({
  method: "get",
  path: "/v1/agent/transactions",
  operationId: "listAgentTransactions",
  tags: ["ledger"],
  summary: "The agent's payments, newest first",
  ...architect,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(500).optional(),
    }),
  },
  responses: { 200: jsonContent("A page of transactions", TransactionListSchema), ...errorsFor(400, 401, 403) },
});

const payRoute = createRoute({
  method: "post",
  path: "/v1/agent/pay",
  operationId: "pay",
  tags: ["ledger"],
  summary: "Pay a service or vendor from the agent's balance",
  description:
    "402 insufficient_funds (or bond_insufficient for on-chain agents), 403 agent_suspended or limit_exceeded, 404 vendor_not_found. " +
    "The answer comes after the payment is committed. 503 database_unavailable: nothing was paid, retry. 503 payment_outcome_unknown: " +
    "the database connection was lost while committing; look the payment up (by reference) or retry under the same Idempotency-Key.",
  ...architect,
  request: { headers: idempotencyHeader, body: jsonBody(PayRequestSchema) },
  responses: { 201: jsonContent("Paid", PaymentResultSchema), ...errorsFor(400, 401, 402, 403, 404, 409, 422, 429, 503) },
});

const bondRoute = (path: string, operationId: string, summary: string) =>
  createRoute({
    method: "post",
    path,
    operationId,
    tags: ["ledger"],
    summary,
    ...architect,
    request: { headers: idempotencyHeader, body: jsonBody(BondRequestSchema) },
    responses: { 200: jsonContent("Balances after the move", BalanceSchema), ...errorsFor(400, 401, 402, 403, 404, 409, 422) },
  });
const bondDepositRoute = bondRoute("/v1/agent/bond/deposit", "depositBond", "Move available funds into the bond");
const bondWithdrawRoute = bondRoute("/v1/agent/bond/withdraw", "withdrawBond", "Move bonded funds back to available (not while intents await settlement)");

const getLimitsRoute = createRoute({
  method: "get",
  path: "/v1/agent/limits",
  operationId: "getAgentLimits",
  tags: ["ledger"],
  summary: "Spending limits (null = no limit)",
  ...architect,
  responses: { 200: jsonContent("Limits", LimitsSchema), ...errorsFor(401, 403) },
});

const putLimitsRoute = createRoute({
  method: "put",
  path: "/v1/agent/limits",
  operationId: "setAgentLimits",
  tags: ["ledger"],
  summary: "Replace the spending limits; enforced on every payment",
  ...architect,
  request: { body: jsonBody(LimitsSchema) },
  responses: { 200: jsonContent("Limits", LimitsSchema), ...errorsFor(400, 401, 403) },
});

const getSettingsRoute = createRoute({
  method: "get",
  path: "/v1/agent/settings",
  operationId: "getAgentSettings",
  tags: ["ledger"],
  summary: "Settlement mode and low-balance threshold",
  ...architect,
  responses: { 200: jsonContent("Settings", SettingsSchema), ...errorsFor(401, 403, 404) },
});

const putSettingsRoute = createRoute({
  method: "put",
  path: "/v1/agent/settings",
  operationId: "setAgentSettings",
  tags: ["ledger"],
  summary: "Change the settlement mode (ledger or onchain) and the low-balance threshold",
  ...architect,
  request: { body: jsonBody(SettingsSchema) },
  responses: { 200: jsonContent("Settings", SettingsSchema), ...errorsFor(400, 401, 403, 404, 409) },
});

const limitsDTO = (l: { per_payment_max_atomic: bigint | null; daily_max_atomic: bigint | null; allowed_vendor_ids: bigint[] | null }) => ({
  per_payment_max_atomic: l.per_payment_max_atomic?.toString() ?? null,
  daily_max_atomic: l.daily_max_atomic?.toString() ?? null,
  allowed_vendor_ids: l.allowed_vendor_ids?.map(String) ?? null,
});
const settingsDTO = (s: { settlement_mode: "ledger" | "onchain"; low_balance_threshold_atomic: bigint }) => ({
  settlement_mode: s.settlement_mode,
  low_balance_threshold_atomic: s.low_balance_threshold_atomic.toString(),
});

export function registerAgentLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: LedgerDeps) {
  const mint = deps.config.USDC_MINT;

  router.openapi(balanceRoute, async (c) => c.json(await getMyBalance(payCtx(deps, c)), 200));

  router.openapi(transactionsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await listTransactions(ctxOf(deps, c), { limit, cursor });
    return c.json({ data: page.rows.map(toTransactionDTO), next_cursor: page.next }, 200);
  });

  router.openapi(payRoute, async (c) => {
    const receivedAt = c.get("receivedAt");
    const body = c.req.valid("json");
    const ctx = payCtx(deps, c);
    const key = idempotencyKeyOf(c, actorUserId(ctx), body);
    const outcome = await payAsAgent(ctx, { body, receivedAt, idempotency: key && { ...key, requestId: c.get("requestId") } });
    return sendPayment(c, outcome, { mint, withBalance: true });
  });

  const moveBond = async (c: Context<HonoEnv>, move: typeof depositBond, body: { amount_atomic: string }) => {
    const ctx = payCtx(deps, c);
    const run = async (sql: typeof ctx.sql) => {
      await move({ ...ctx, sql }, BigInt(body.amount_atomic));
      return { status: 200, body: await getMyBalance({ ...ctx, sql }) };
    };
    return sendIdempotent(c, idempotencyStore(deps.sql), actorUserId(ctx), body, run);
  };
  router.openapi(bondDepositRoute, (c) => moveBond(c, depositBond, c.req.valid("json")));
  router.openapi(bondWithdrawRoute, (c) => moveBond(c, withdrawBond, c.req.valid("json")));

  router.openapi(getLimitsRoute, async (c) => c.json(limitsDTO(await getLimits(ctxOf(deps, c))), 200));
  router.openapi(putLimitsRoute, async (c) => {
    const body = c.req.valid("json");
    const saved = await setLimits(ctxOf(deps, c), {
      per_payment_max_atomic: body.per_payment_max_atomic === null ? null : BigInt(body.per_payment_max_atomic),
      daily_max_atomic: body.daily_max_atomic === null ? null : BigInt(body.daily_max_atomic),
      allowed_vendor_ids: body.allowed_vendor_ids === null ? null : body.allowed_vendor_ids.map((v) => BigInt(v)),
    });
    return c.json(limitsDTO(saved), 200);
  });

  router.openapi(getSettingsRoute, async (c) => c.json(settingsDTO(await getSettings(ctxOf(deps, c))), 200));
  router.openapi(putSettingsRoute, async (c) => {
    const body = c.req.valid("json");
    const saved = await setSettings(ctxOf(deps, c), { settlement_mode: body.settlement_mode, low_balance_threshold_atomic: BigInt(body.low_balance_threshold_atomic) });
    return c.json(settingsDTO(saved), 200);
  });
}
