import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { requireUser, requireUserActor } from "@/auth";
import { AppError } from "@/core/errors";
import { WalletAddressSchema } from "@/core/solana";
import { agentStanding } from "@/ledger";
import { findProfileOfUser } from "@/profiles";
import { ctxOf } from "@/http/context";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";
import { rateLimitByIp } from "@/http/rate-limit/limiter";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { pathWithQuery, verifyDeviceCredential } from "./device-auth";
import { findDeviceKey } from "./queries";
import {
  DeviceLinkSchema,
  GatewayAgentSchema,
  LinkApprovedSchema,
  LinkApproveRequestSchema,
  LinkInitRequestSchema,
  LinkInitSchema,
  LinkRequestViewSchema,
  LinkStatusSchema,
} from "./schemas";
import { approveLink, initLink, linkStatus, viewLinkRequest, type PairingCtx } from "./service";

const initRoute = createRoute({
  method: "post",
  path: "/v1/link/init",
  operationId: "initLink",
  tags: ["pairing"],
  summary: "A device asks to be linked, proving it holds its key; returns a code for a person to approve",
  request: { body: jsonBody(LinkInitRequestSchema) },
  responses: { 201: jsonContent("Pairing started", LinkInitSchema), ...errorsFor(400, 401, 409, 429) },
});

const approveRoute = createRoute({
  method: "post",
  path: "/v1/link/approve",
  operationId: "approveLink",
  tags: ["pairing"],
  summary: "The signed-in person approves a code: the device key is bound to their profile",
  security: [{ bearerAuth: [] }],
  request: { body: jsonBody(LinkApproveRequestSchema) },
  responses: {
    200: jsonContent("Linked", LinkApprovedSchema),
    ...errorsFor(400, 401, 403, 404, 409, 410, 429),
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/v1/link/status",
  operationId: "getLinkStatus",
  tags: ["pairing"],
  summary: "The device polls (no faster than `interval`) until its request is approved or expired",
  request: { query: z.object({ device_code: z.string().min(1).max(200) }) },
  responses: { 200: jsonContent("Status", LinkStatusSchema), ...errorsFor(400, 404, 429) },
});

const viewRoute = createRoute({
  method: "get",
  path: "/v1/link/requests/{code}",
  operationId: "getLinkRequest",
  tags: ["pairing"],
  summary: "Which key, of which kind, asks to be linked with this code (shown before approval)",
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ code: z.string().min(1).max(20) }) },
  responses: { 200: jsonContent("The request", LinkRequestViewSchema), ...errorsFor(400, 401, 404) },
});

const deviceRoute = createRoute({
  method: "get",
  path: "/v1/link/device",
  operationId: "getDeviceLink",
  tags: ["pairing"],
  summary: "Whether the signing device key is linked, and to which profile (Authorization: Device <pubkey>:<ts>:<sig>)",
  responses: { 200: jsonContent("The device's link", DeviceLinkSchema), ...errorsFor(401) },
});

const gatewayAgentRoute = createRoute({
  method: "get",
  path: "/v1/gateway/agents/{pubkey}",
  operationId: "getGatewayAgent",
  tags: ["gateway"],
  summary: "For gateways: whether an agent key is linked, its status and spendable balance",
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ pubkey: WalletAddressSchema }) },
  responses: { 200: jsonContent("The agent's standing", GatewayAgentSchema), ...errorsFor(400, 401, 403) },
});

const pairingCtx = (deps: AppDeps, c: Context<HonoEnv>): PairingCtx => ({
  ...ctxOf(deps, c),
  consoleUrl: deps.config.CONSOLE_URL,
  pollIntervalSeconds: deps.config.LINK_POLL_INTERVAL_SECONDS,
});

/** Gateways authenticate with a gateway API key, or by signing with their linked vendor device key. */
const requireGateway = (): MiddlewareHandler<HonoEnv> => async (c, next) => {
  const actor = requireUserActor(c.get("actor"), c.get("authError"), c.req.method);
  const isGatewayKey = actor.via === "api_key" && actor.apiKey?.kind === "gateway";
  const isGatewayDevice = actor.via === "device" && actor.device?.kind === "vendor";
  if (!isGatewayKey && !isGatewayDevice) {
    throw new AppError("gateway_key_required", "this route is for vendor gateways: use a gateway key (mp_gk_live_...)", { status: 403 });
  }
  await next();
};

export function registerPairingRoutes(router: OpenAPIHono<HonoEnv>, deps: AppDeps) {
  const perIp = rateLimitByIp(deps.rateLimiter, {
    bucket: "link-ip",
    limit: deps.config.RATE_LIMIT_LINK_PER_MINUTE,
    windowSeconds: 60,
    trustProxy: deps.config.TRUST_PROXY,
  });
  // Polling is paced per device code (slow_down), so the per-IP limit covers init and approve.
  router.use("/v1/link/init", perIp);
  router.use("/v1/link/approve", perIp, requireUser());
  router.use("/v1/link/requests/*", requireUser());
  router.use("/v1/gateway/agents/*", requireGateway());

  router.openapi(initRoute, async (c) => c.json(await initLink(pairingCtx(deps, c), c.req.valid("json")), 201));
  router.openapi(approveRoute, async (c) => {
    const approved = await approveLink(pairingCtx(deps, c), c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), device_pubkey: approved.pubkey });
    return c.json(approved, 200);
  });
  router.openapi(statusRoute, async (c) => c.json(await linkStatus(pairingCtx(deps, c), { deviceCode: c.req.valid("query").device_code }), 200));
  router.openapi(viewRoute, async (c) => c.json(await viewLinkRequest(pairingCtx(deps, c), c.req.valid("param")), 200));

  router.openapi(deviceRoute, async (c) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Device\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError("invalid_device_signature", "expected Authorization: Device <pubkey>:<unix seconds>:<base58 signature>", { status: 401 });
    const verified = await verifyDeviceCredential(match[1]!, { method: c.req.method, pathWithQuery: pathWithQuery(c.req.url), now: deps.clock.now() });
    if (verified instanceof AppError) throw verified;
    const device = await findDeviceKey(deps.sql, verified.pubkey);
    const profile = device ? await findProfileOfUser(deps, device.user_id) : undefined;
    return c.json(
      {
        pubkey: verified.pubkey,
        linked: Boolean(device),
        kind: device?.kind ?? null,
        profile: profile ? { type: profile.type, name: profile.name } : null,
      },
      200,
    );
  });

  router.openapi(gatewayAgentRoute, async (c) => {
    const device = await findDeviceKey(deps.sql, c.req.valid("param").pubkey);
    const standing = device?.kind === "agent" ? await agentStanding(deps, device.user_id) : undefined;
    if (!device || !standing) return c.json({ linked: false, agent_id: null, status: null, available_atomic: "0" }, 200);
    return c.json({ linked: true, agent_id: device.user_id.toString(), status: standing.status, available_atomic: standing.available.toString() }, 200);
  });
}
