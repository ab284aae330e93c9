import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ctxOf } from "@/http/context";
import type { HonoEnv } from "@/http/env";
import { access, guarded } from "@/http/guards";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import type { X402Deps } from "./deps";
import type { Facilitator } from "./facilitator";
import { x402RateLimit } from "./rate-limit";
import { FacilitatorRequestSchema, SettleResponseSchema, SupportedResponseSchema, VerifyResponseSchema } from "./schemas";
import { settlePayment, verifyPayment, type X402Ctx } from "./verbs";

// The x402 v2 facilitator interface (x402-specification-v2.md §7) under /x402: a resource server
// configures `new HTTPFacilitatorClient({ url: "<MachPay>/x402", createAuthHeaders })`, which
// calls GET /supported, POST /verify and POST /settle. verify and settle take the vendor's gateway
// key: the key that already submits the vendor's gateway payments, whose vendor is credited (or
// must own exact's payTo), and which x402's HTTPFacilitatorClient sends as Authorization.

const tags = ["x402"];
const gateway = access.gateway({ device: false });

const supportedRoute = createRoute({
  method: "get",
  path: "/x402/supported",
  operationId: "getX402Supported",
  tags,
  summary: "x402: the schemes and networks this facilitator settles, and its fee payer",
  description: "batch-settlement on machpay:<cluster> (MachPay's ledger); exact on the Solana cluster of SOLANA_RPC (solana:<genesis hash>), when a fee payer is configured.",
  ...access.public(),
  responses: { 200: jsonContent("What this facilitator supports", SupportedResponseSchema), ...errorsFor(429) },
});

const verifyRoute = createRoute({
  method: "post",
  path: "/x402/verify",
  operationId: "verifyX402Payment",
  tags,
  summary: "x402: verify a payment payload against its requirements, without settling it",
  description:
    "200 with isValid, and invalidReason when it is refused (replayed, expired, another network, payTo, asset or amount, insufficient_funds...). " +
    "batch-settlement: the intent's signature, key links, the agent's status, limits and balance, and its nonce, checked without spending. " +
    "400 only for a body that is not an x402 VerifyRequest; 503 when the database or the Solana RPC is unreachable (retry).",
  ...gateway,
  request: { body: jsonBody(FacilitatorRequestSchema) },
  responses: { 200: jsonContent("The verdict", VerifyResponseSchema), ...errorsFor(400, 401, 403, 429, 503) },
});

const settleRoute = createRoute({
  method: "post",
  path: "/x402/settle",
  operationId: "settleX402Payment",
  tags,
  summary: "x402: settle a verified payment",
  description:
    "200 with success, and errorReason when it is refused. batch-settlement: committed by the payment engine (the agent debited, the vendor's unsettled balance credited, " +
    "the intent's nonce spent), transaction = the ledger transaction id. exact: co-signed by the hot wallet as fee payer and sent; transaction = the Solana signature, " +
    "recorded as settled on chain. 503 database_unavailable / payment_outcome_unknown / payment_deadline_exceeded as POST /v1/gateway/payments answers them.",
  ...gateway,
  request: { body: jsonBody(FacilitatorRequestSchema) },
  responses: { 200: jsonContent("The settlement", SettleResponseSchema), ...errorsFor(400, 401, 403, 429, 503) },
});

export function registerX402Routes(router: OpenAPIHono<HonoEnv>, deps: X402Deps, facilitator: Facilitator) {
  const limited = x402RateLimit({ clock: deps.clock, perMinute: deps.config.X402_RATE_LIMIT_PER_MINUTE, trustProxy: deps.config.TRUST_PROXY, metrics: deps.metrics });
  const x402Ctx = (c: Context<HonoEnv>): X402Ctx => ({
    ...ctxOf(deps, c),
    tokenMint: deps.config.USDC_MINT,
    payments: deps.payments,
    intentVerifier: deps.intentVerifier,
    paymentEvents: deps.paymentEvents,
  });

  router.openapi(guarded(supportedRoute, limited), async (c) => c.json(await facilitator.supported(), 200));

  router.openapi(guarded(verifyRoute, limited), async (c) => {
    const answer = await verifyPayment(x402Ctx(c), facilitator, c.req.valid("json"), c.get("receivedAt"));
    c.set("logFields", { ...c.get("logFields"), x402_scheme: c.req.valid("json").paymentRequirements.scheme, x402_valid: answer.isValid, x402_reason: answer.invalidReason });
    return c.json(answer, 200);
  });

  router.openapi(guarded(settleRoute, limited), async (c) => {
    const answer = await settlePayment(x402Ctx(c), facilitator, c.req.valid("json"), c.get("receivedAt"));
    c.set("logFields", { ...c.get("logFields"), x402_scheme: c.req.valid("json").paymentRequirements.scheme, x402_success: answer.success, x402_reason: answer.errorReason, transaction: answer.transaction });
    return c.json(answer, 200);
  });
}
