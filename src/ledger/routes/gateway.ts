import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { WalletAddressSchema } from "@/core/solana";
import { access } from "@/http/guards";
import { findLinkedDevice } from "@/pairing";
import type { LedgerDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { actorUserId, agentStanding } from "../balance";
import { earlierAnswer } from "../idempotency";
import { payFromGateway } from "../pay";
import { GatewayAgentSchema, GatewayPaymentRequestSchema, GatewayPaymentResultSchema } from "../schemas";
import { payCtx, sendPayment } from "./context";
import { idempotencyKeyOf } from "@/http/idempotency";

const gatewayPaymentRoute = createRoute({
  method: "post",
  path: "/v1/gateway/payments",
  operationId: "submitGatewayPayment",
  tags: ["ledger"],
  summary: "A vendor gateway submits a payment intent signed by the paying agent's linked key",
  description:
    "Checks signature, deadline, single use of (agent, nonce), agent linked and active, limits and balance; debits the agent and credits " +
    "the vendor's unsettled balance in one SQL transaction. 409 nonce_already_used for a replayed intent. 503 database_unavailable " +
    "(nothing was paid; retry) or payment_outcome_unknown (the database connection was lost while committing: look the payment up, or retry under the same Idempotency-Key).",
  ...access.gateway({ device: false }),
  request: { body: jsonBody(GatewayPaymentRequestSchema) },
  responses: { 201: jsonContent("Paid", GatewayPaymentResultSchema), ...errorsFor(400, 401, 402, 403, 404, 409, 422, 429, 503) },
});

const gatewayAgentRoute = createRoute({
  method: "get",
  path: "/v1/gateway/agents/{pubkey}",
  operationId: "getGatewayAgent",
  tags: ["ledger"],
  summary: "For gateways: whether an agent key is linked, its status and spendable balance",
  ...access.gateway({ device: true }),
  request: { params: z.object({ pubkey: WalletAddressSchema }) },
  responses: { 200: jsonContent("The agent's standing", GatewayAgentSchema), ...errorsFor(400, 401, 403) },
});

export function registerGatewayLedgerRoutes(router: OpenAPIHono<HonoEnv>, deps: LedgerDeps) {
  router.openapi(gatewayPaymentRoute, async (c) => {
    const receivedAt = c.get("receivedAt");
    const body = c.req.valid("json");
    const ctx = payCtx(deps, c);
    const key = idempotencyKeyOf(c, actorUserId(ctx), body);
    const outcome =
      (key && (await earlierAnswer(deps.sql, key))) ||
      (await payFromGateway(ctx, {
        intent: new Uint8Array(Buffer.from(body.intent, "base64")),
        signature: body.signature,
        serviceId: body.service_id,
        reference: body.reference,
        region: body.region,
        receivedAt,
        ...(key ? { idempotency: { ...key, requestId: c.get("requestId") } } : {}),
      }));
    return sendPayment(c, outcome, { mint: deps.config.USDC_MINT, withBalance: false });
  });

  router.openapi(gatewayAgentRoute, async (c) => {
    const device = await findLinkedDevice(deps, c.req.valid("param").pubkey);
    const standing = device?.kind === "agent" ? await agentStanding(deps, device.user_id) : undefined;
    if (!device || !standing) return c.json({ linked: false, agent_id: null, status: null, available_atomic: "0" }, 200);
    return c.json({ linked: true, agent_id: device.user_id.toString(), status: standing.status, available_atomic: standing.available.toString() }, 200);
  });
}
