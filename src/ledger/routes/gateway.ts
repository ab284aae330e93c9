import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { requireUserActor } from "@/auth";
import { AppError } from "@/core/errors";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { actorUserId } from "../balance";
import { earlierAnswer } from "../idempotency";
import { payFromGateway } from "../pay";
import { GatewayPaymentRequestSchema, GatewayPaymentResultSchema } from "../schemas";
import { answer, idempotencyOf, payCtx, renderPayment } from "./context";

const gatewayPaymentRoute = createRoute({
  method: "post",
  path: "/v1/gateway/payments",
  operationId: "submitGatewayPayment",
  tags: ["gateway"],
  summary: "A vendor gateway submits a payment intent signed by the paying agent's linked key",
  description:
    "Checks signature, deadline, single use of (agent, nonce), agent linked and active, limits and balance; debits the agent and credits " +
    "the vendor's unsettled balance in one SQL transaction. 409 nonce_already_used for a replayed intent. 503 database_unavailable " +
    "(nothing was paid; retry) or payment_outcome_unknown (the database connection was lost while committing: look the payment up, or retry under the same Idempotency-Key).",
  security: [{ bearerAuth: [] }],
  request: { body: jsonBody(GatewayPaymentRequestSchema) },
  responses: { 201: jsonContent("Paid", GatewayPaymentResultSchema), ...errorsFor(400, 401, 402, 403, 404, 409, 429, 503) },
});

/** Gateways authenticate with a gateway API key, or by signing with their linked vendor device key (read-only: keys only here). */
const requireGatewayKey = (): MiddlewareHandler<HonoEnv> => async (c, next) => {
  const actor = requireUserActor(c.get("actor"), c.get("authError"), c.req.method);
  if (actor.via !== "api_key" || actor.apiKey?.kind !== "gateway") {
    throw new AppError("gateway_key_required", "submit payments with a gateway key (mp_gk_live_...)", { status: 403 });
  }
  await next();
};

export function registerGatewayLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: AppDeps) {
  router.use("/v1/gateway/payments", requireGatewayKey());
  router.openapi(gatewayPaymentRoute, async (c) => {
    const receivedAt = c.get("receivedAt");
    const body = c.req.valid("json");
    const ctx = payCtx(deps, c);
    const render = renderPayment(c, deps.config.USDC_MINT, false);
    const key = idempotencyOf(c, actorUserId(ctx), body);
    const outcome =
      (key && (await earlierAnswer(deps.sql, key))) ||
      (await payFromGateway(ctx, {
        intent: new Uint8Array(Buffer.from(body.intent, "base64")),
        signature: body.signature,
        serviceId: body.service_id,
        reference: body.reference,
        region: body.region,
        receivedAt,
        ...(key ? { idempotency: { ...key, render } } : {}),
      }));
    if (outcome.kind === "paid") c.set("logFields", { ...c.get("logFields"), transaction_id: outcome.transaction.id });
    return answer(c, outcome, render(outcome));
  });
}
