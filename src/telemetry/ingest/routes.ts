import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { UserActor } from "@/core/actor";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "@/http/env";
import { ACCESS_EXTENSION, guarded, type AccessRule } from "@/http/guards";
import { errorsFor, jsonContent } from "@/http/route-helpers";
import { ingestAuth, INGEST_WINDOW_SECONDS, type IngestAuthDeps } from "./auth";
import type { Ingest } from "./ingest";
import { decodeJson, MAX_AGENT_EVENTS, MAX_BATCH_EVENTS, MAX_CLOCK_SKEW_MS, MAX_EVENT_AGE_MS, MAX_EVENT_CHARS } from "./parse";
import { AgentTelemetryEventSchema, GatewayEventSchema, GatewayPacketSchema, IngestAcceptedSchema } from "./schemas";

// The receiver's routes. Bodies are documented here but validated by the handler (parse.ts), event
// by event, so that a refusal names the index and field of every bad event; zod-openapi's own
// validator would stop at a union's "invalid input".

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const security = [{ bearerAuth: [] }, { ingestSignature: [] }];

const COMMON =
  `Validated whole: one invalid event refuses the request (400 invalid_request; details.issues names each field as <index>.<path>, ` +
  `details.rejected_indexes lists the events), and nothing of it is taken. Timestamps must fall within ${MAX_EVENT_AGE_MS / 3600_000} h before and ` +
  `${MAX_CLOCK_SKEW_MS / 60_000} min after the receiver's clock. Amounts are strings of digits or JSON integers up to 2^53-1. ` +
  `202 means queued: the receiver writes in batches (COPY) and telemetry is lossy by design (a database outage longer than its queue ` +
  `loses events; counted on /metrics). A full queue answers 429 ingest_queue_full with Retry-After, and takes nothing of the request. ` +
  `A request sent twice stores its events once: (sender, source, id, time) is unique. A device signs the body: ` +
  `Authorization: Ingest <pubkey>:<unix seconds>:<base58 Ed25519 signature of "machpay-ingest:<METHOD>:<path?query>:<unix seconds>:<sha256 hex of the body>">, ` +
  `within ${INGEST_WINDOW_SECONDS} s of the receiver's clock.`;

const gatewayRoute = createRoute({
  method: "post",
  path: "/v1/ingest",
  operationId: "ingestGatewayTelemetry",
  tags: ["telemetry"],
  summary: "A gateway's CloudEvents batch, or its deep telemetry packet",
  description:
    `A JSON array (at most ${MAX_BATCH_EVENTS}) of CloudEvents 1.0 in structured mode, of the types com.machpay.payment.authorized, ` +
    `com.machpay.request.blocked and com.machpay.agent.insolvency_risk (each at most ${MAX_EVENT_CHARS} characters), routed to ` +
    `payment_authorized, request_blocked and solvency_alerts; or one deep packet (an object with "source": "gateway"), stored in ` +
    `gateway_telemetry and metrics. A packet's config.price_per_unit becomes the vendor's base price (when its accepted_mint is the ` +
    `ledger's, or absent): the vendor is the one whose gateway key or linked vendor device sent it, never one the body names. Its ` +
    `config.withdrawal_address is never applied (payouts go to the profile's address, and a leaked gateway key must not be able to ` +
    `send earnings elsewhere): a different address is recorded as a warning in logs, and the vendor is notified once per address ` +
    `(gateway.withdrawal_address_mismatch). ` +
    COMMON,
  security,
  [ACCESS_EXTENSION]: { role: "operator", credentials: ["gateway_key", "device"] } satisfies AccessRule,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: { oneOf: [{ type: "array", items: ref("GatewayEvent"), minItems: 1, maxItems: MAX_BATCH_EVENTS }, ref("GatewayTelemetryPacket")] },
        },
      },
    },
  },
  responses: { 202: jsonContent("Queued for writing", IngestAcceptedSchema), ...errorsFor(400, 401, 403, 413, 429, 503) },
});

const agentRequest = {
  body: {
    required: true,
    content: {
      "application/json": {
        schema: { oneOf: [ref("AgentTelemetryEvent"), { type: "array" as const, items: ref("AgentTelemetryEvent"), minItems: 1, maxItems: MAX_AGENT_EVENTS }] },
      },
    },
  },
};

const agentDescription =
  `One agent.telemetry CloudEvent (the SDK's packet in its envelope, ecosystem-notes §2.3), or an array of at most ${MAX_AGENT_EVENTS}; ` +
  `stored in agent_telemetry and metrics under the agent whose key or linked device sent it (data.agent_id is kept as reported). ` +
  COMMON;

const agentRoute = createRoute({
  method: "post",
  path: "/v1/telemetry",
  operationId: "ingestAgentTelemetry",
  tags: ["telemetry"],
  summary: "An agent SDK's telemetry packet",
  description: agentDescription,
  security,
  [ACCESS_EXTENSION]: { role: "architect", credentials: ["api_key", "device"] } satisfies AccessRule,
  request: agentRequest,
  responses: { 202: jsonContent("Queued for writing", IngestAcceptedSchema), ...errorsFor(400, 401, 403, 413, 429, 503) },
});

/** The path the Python SDK's plan names (PY-PLAN); the same operation. */
const agentAliasRoute = createRoute({
  ...agentRoute,
  path: "/v1/agent",
  operationId: "ingestAgentTelemetryAlias",
  summary: "Alias of POST /v1/telemetry (deprecated)",
  deprecated: true,
  description: "Deprecated alias of `POST /v1/telemetry` (operation `ingestAgentTelemetry`), the same operation; use `POST /v1/telemetry`. " + agentDescription,
});

const JSON_TYPES = /^application\/(json|cloudevents(-batch)?\+json)\s*(;|$)/i;

/** The body as JSON; a refusal here is counted as the queue's are (an invalid request). */
async function bodyOf(c: Context<HonoEnv>, ingest: Ingest): Promise<unknown> {
  try {
    if (!JSON_TYPES.test(c.req.header("content-type") ?? "")) {
      throw new AppError("invalid_request", "expected Content-Type: application/json (or application/cloudevents-batch+json)", {
        details: { issues: [{ field: "content-type", location: "header", message: "expected application/json" }] },
      });
    }
    return decodeJson(new Uint8Array(await c.req.arrayBuffer()));
  } catch (err) {
    if (err instanceof AppError) ingest.metrics.requestsRejected.inc({ reason: "invalid" });
    throw err;
  }
}

/** The sender ingestAuth set. */
const senderOf = (c: Context<HonoEnv>) => (c.get("actor") as UserActor).userId;

export function registerIngestRoutes(router: OpenAPIHono<HonoEnv>, deps: IngestAuthDeps & { ingest: Ingest }) {
  router.openAPIRegistry.register("GatewayEvent", GatewayEventSchema);
  router.openAPIRegistry.register("GatewayTelemetryPacket", GatewayPacketSchema);
  router.openAPIRegistry.register("AgentTelemetryEvent", AgentTelemetryEventSchema);
  const { ingest } = deps;

  router.openapi(guarded(gatewayRoute, ingestAuth(deps, "vendor", ingest.metrics)), async (c) => {
    const result = ingest.submitGateway(senderOf(c), await bodyOf(c, ingest), { decoded: true });
    c.set("logFields", { ...c.get("logFields"), accepted: result.accepted, kind: result.kind });
    return c.json(result, 202);
  });
  for (const route of [agentRoute, agentAliasRoute]) {
    router.openapi(guarded(route, ingestAuth(deps, "agent", ingest.metrics)), async (c) => {
      const result = ingest.submitAgent(senderOf(c), await bodyOf(c, ingest), { decoded: true });
      c.set("logFields", { ...c.get("logFields"), accepted: result.accepted, kind: result.kind });
      return c.json(result, 202);
    });
  }
}
