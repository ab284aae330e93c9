import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { access } from "@/http/guards";
import type { HonoEnv } from "@/http/env";
import { idempotencyKeyOf, sendAnswer } from "@/http/idempotency";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { actorUserId } from "../balance";
import type { LedgerDeps } from "../deps";
import { payBatchFromGateway } from "../gateway-batch";
import { gatewayPaymentBatchRequestSchema, GatewayPaymentBatchResultSchema } from "../schemas";
import { payCtx, paymentAnswer } from "./context";

const batchRoute = (max: number) =>
  createRoute({
    method: "post",
    path: "/v1/gateway/payments/batch",
    operationId: "submitGatewayPaymentBatch",
    tags: ["ledger"],
    summary: "A vendor gateway submits many signed payment intents in one request",
    description:
      `Up to ${max} intents (GATEWAY_BATCH_MAX). Each is decided exactly as POST /v1/gateway/payments decides it, and its result (that ` +
      "endpoint's status and body) is returned in the request's order: a refused or malformed intent refuses only itself. The intents enter " +
      "the same group commit together. With an Idempotency-Key, a retry of the same batch replays each intent's stored outcome and submits " +
      "only intents that never reached the ledger; the key with another batch is 409 idempotency_conflict. 400 when the body itself is " +
      "malformed (the failing field named, e.g. payments.3.signature); nothing is paid then.",
    ...access.gateway({ device: false }),
    request: { body: jsonBody(gatewayPaymentBatchRequestSchema(max)) },
    responses: { 200: jsonContent("One result per intent", GatewayPaymentBatchResultSchema), ...errorsFor(400, 401, 403, 409, 429, 503) },
  });

export function registerGatewayBatchRoute(router: OpenAPIHono<HonoEnv>, deps: LedgerDeps) {
  router.openapi(batchRoute(deps.config.GATEWAY_BATCH_MAX), async (c) => {
    const body = c.req.valid("json");
    const ctx = payCtx(deps, c);
    const requestId = c.get("requestId");
    const key = idempotencyKeyOf(c, actorUserId(ctx), body);
    const outcomes = await payBatchFromGateway(ctx, {
      items: body.payments.map((p) => ({
        intent: new Uint8Array(Buffer.from(p.intent, "base64")),
        signature: p.signature,
        serviceId: p.service_id,
        reference: p.reference,
        region: p.region,
      })),
      receivedAt: c.get("receivedAt"),
      ...(key ? { idempotency: { ...key, requestId } } : {}),
    });
    const results = outcomes.map((o) => paymentAnswer(o, requestId, { mint: deps.config.USDC_MINT, withBalance: false }));
    const paid = results.filter((r) => r.status === 201).length;
    c.set("logFields", { ...c.get("logFields"), batch_size: results.length, paid });
    return sendAnswer(c, { status: 200, body: { results, paid, refused: results.length - paid } }, results.every((r) => r.replayed));
  });
}
