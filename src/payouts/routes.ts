import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { access, guarded, requireUserActor } from "@/http/guards";
import { AppError } from "@/core/errors";
import { decimalToAtomic, parseAtomic } from "@/core/money";
import { idempotencyStore } from "@/ledger";
import { sendIdempotent } from "@/http/idempotency";
import { ctxOf } from "@/http/context";
import type { BaseDeps } from "@/http/module";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { handleReconEvent, verifyReconSignature, type ReconEvent } from "./recon";
import { PayoutListSchema, PayoutRequestSchema, PayoutSchema, ReconEventSchema, ReconResultSchema, toPayoutDTO, toStatsDTO, VendorStatsSchema } from "./schemas";
import { getVendorStats, listPayouts, requestPayout, type PayoutCtx } from "./service";

const operator = access.role("operator");

/** `aliasOf`: the canonical operation's path; the alias is then documented as deprecated, pointing at it. */
const payoutRoute = (path: string, operationId: string, aliasOf?: string) =>
  createRoute({
    method: "post",
    path,
    operationId,
    tags: ["payouts"],
    summary: aliasOf ? `Alias of POST ${aliasOf} (deprecated)` : "Withdraw earnings: reserves the amount in a PENDING payout that the settlement worker pays on chain",
    ...(aliasOf ? { deprecated: true, description: `Deprecated alias of \`POST ${aliasOf}\` (operation \`requestPayout\`): same body, answers and Idempotency-Key space. Use \`POST ${aliasOf}\`.` } : {}),
    ...operator,
    request: {
      headers: z.object({ "idempotency-key": z.string().optional() }),
      body: jsonBody(PayoutRequestSchema),
    },
    responses: { 201: jsonContent("Payout requested", PayoutSchema), ...errorsFor(400, 401, 402, 403, 404, 409) },
  });

const listRoute = createRoute({
  method: "get",
  path: "/v1/vendor/payouts",
  operationId: "listPayouts",
  tags: ["payouts"],
  summary: "Payout history, newest first",
  ...operator,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional() }) },
  responses: { 200: jsonContent("A page of payouts", PayoutListSchema), ...errorsFor(400, 401, 403) },
});

const statsRoute = createRoute({
  method: "get",
  path: "/v1/vendor/stats",
  operationId: "getVendorStats",
  tags: ["payouts"],
  summary: "Revenue, unsettled and settled balances, payment count and latency (ledger); what the vendor's gateways reported (telemetry)",
  ...operator,
  responses: { 200: jsonContent("Stats", VendorStatsSchema), ...errorsFor(401, 403, 404) },
});

const reconRoute = createRoute({
  method: "post",
  path: "/v1/internal/recon/events",
  operationId: "postReconEvent",
  tags: ["payouts"],
  summary: "Settlement outcomes from recon (HMAC-SHA-256 of the raw body in X-MachPay-Signature: sha256=<hex>)",
  ...access.hmac(),
  request: { body: jsonBody(ReconEventSchema) },
  responses: { 200: jsonContent("Processed (or a duplicate, acknowledged)", ReconResultSchema), ...errorsFor(400, 401, 404, 422, 503) },
});

function amountOf(body: z.infer<typeof PayoutRequestSchema>, decimals: number): bigint {
  const issue = (message: string) =>
    new AppError("invalid_request", `amount: ${message}`, { details: { issues: [{ field: "amount", location: "json", message }] } });
  if ((body.amount === undefined) === (body.amount_atomic === undefined)) throw issue("give exactly one of amount or amount_atomic");
  // A JSON number arrives as a double, exact only to 15 significant digits: past that, String()
  // gives a nearby decimal (12345678901.123456 -> ...455), so a number that may need more is refused.
  if (typeof body.amount === "number" && !(Math.abs(body.amount) < 10 ** (15 - decimals))) {
    throw issue(`as a JSON number it must be below ${10 ** (15 - decimals)}; send larger amounts as a string`);
  }
  let value: bigint;
  try {
    value = body.amount_atomic !== undefined ? parseAtomic(body.amount_atomic) : decimalToAtomic(String(body.amount), decimals);
  } catch (err) {
    throw issue(err instanceof Error ? err.message : "not an amount");
  }
  if (value <= 0n) throw issue("must be greater than 0");
  return value;
}

export function registerPayoutRoutes(router: OpenAPIHono<HonoEnv>, deps: BaseDeps) {
  const payoutCtx = (c: Context<HonoEnv>): PayoutCtx => ({ ...ctxOf(deps, c), tokenMint: deps.config.USDC_MINT });
  const decimals = deps.config.USDC_DECIMALS;

  const handlePayout = async (c: Context<HonoEnv>, body: z.infer<typeof PayoutRequestSchema>) => {
    const ctx = payoutCtx(c);
    const amount = amountOf(body, decimals);
    const run = async (sql: typeof ctx.sql) => {
      const payout = await requestPayout({ ...ctx, sql }, { amount, destinationWallet: body.destinationWallet, reference: body.reference });
      c.set("logFields", { ...c.get("logFields"), payout_id: payout.id, amount_atomic: amount.toString() });
      return { status: 201, body: toPayoutDTO(payout, decimals) };
    };
    const actor = requireUserActor(ctx.actor, c.get("authError"), c.req.method);
    // /withdraw is /payout's alias: one Idempotency-Key means one payout on either path.
    return sendIdempotent(c, idempotencyStore(deps.sql), actor.userId, body, run, "/v1/vendor/payout");
  };
  router.openapi(payoutRoute("/v1/vendor/payout", "requestPayout"), (c) => handlePayout(c, c.req.valid("json")));
  router.openapi(payoutRoute("/v1/vendor/withdraw", "requestWithdrawal", "/v1/vendor/payout"), (c) => handlePayout(c, c.req.valid("json")));

  router.openapi(listRoute, async (c) => {
    const page = await listPayouts(ctxOf(deps, c), c.req.valid("query"));
    return c.json({ data: page.rows.map((p) => toPayoutDTO(p, decimals)), next_cursor: page.next }, 200);
  });
  router.openapi(statsRoute, async (c) => {
    const stats = await getVendorStats(ctxOf(deps, c));
    return c.json(toStatsDTO(stats, deps.config.USDC_MINT, stats.telemetry), 200);
  });

  // The signature covers the raw bytes, so it is checked (route middleware) before the body is parsed.
  const reconSigned: MiddlewareHandler<HonoEnv> = async (c, next) => {
    const secret = deps.config.RECON_WEBHOOK_SECRET;
    if (!secret) throw new AppError("recon_disabled", "RECON_WEBHOOK_SECRET is not configured");
    const raw = await c.req.text();
    if (!verifyReconSignature(secret, raw, c.req.header("x-machpay-signature"))) {
      throw new AppError("invalid_signature", "X-MachPay-Signature must be sha256=<hex HMAC-SHA-256 of the raw body>");
    }
    await next();
  };
  router.openapi(guarded(reconRoute, reconSigned), async (c) => {
    const event = c.req.valid("json");
    if (event.type === "settlement.confirmed" && !event.tx_signature) {
      throw new AppError("invalid_request", "settlement.confirmed carries tx_signature", { details: { issues: [{ field: "tx_signature", location: "json", message: "required" }] } });
    }
    const result = await handleReconEvent(ctxOf(deps, c), { ...event, reason: event.reason ?? "unspecified" } as ReconEvent);
    return c.json(result, 200);
  });
}
