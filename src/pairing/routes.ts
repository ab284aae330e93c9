import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "@/core/errors";
import { findProfileOfUser } from "@/profiles";
import { ctxOf } from "@/http/context";
import type { PairingDeps } from "./deps";
import type { HonoEnv } from "@/http/env";
import { rateLimitByIp } from "@/http/rate-limit/limiter";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { access, guarded } from "@/http/guards";
import { pathWithQuery, verifyDeviceCredential } from "./device-auth";
import { findDeviceKey } from "./queries";
import {
  DeviceLinkSchema,
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
  ...access.public(),
  request: { body: jsonBody(LinkInitRequestSchema) },
  responses: { 201: jsonContent("Pairing started", LinkInitSchema), ...errorsFor(400, 401, 409, 429) },
});

const approveRoute = createRoute({
  method: "post",
  path: "/v1/link/approve",
  operationId: "approveLink",
  tags: ["pairing"],
  summary: "The signed-in person approves a code: the device key is bound to their profile",
  ...access.user(["jwt"]),
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
  ...access.public(),
  request: { query: z.object({ device_code: z.string().min(1).max(200) }) },
  responses: { 200: jsonContent("Status", LinkStatusSchema), ...errorsFor(400, 404, 429) },
});

const viewRoute = createRoute({
  method: "get",
  path: "/v1/link/requests/{code}",
  operationId: "getLinkRequest",
  tags: ["pairing"],
  summary: "Which key, of which kind, asks to be linked with this code (shown before approval)",
  ...access.user(),
  request: { params: z.object({ code: z.string().min(1).max(20) }) },
  responses: { 200: jsonContent("The request", LinkRequestViewSchema), ...errorsFor(400, 401, 404) },
});

const deviceRoute = createRoute({
  method: "get",
  path: "/v1/link/device",
  operationId: "getDeviceLink",
  tags: ["pairing"],
  summary: "Whether the signing device key is linked, and to which profile (Authorization: Device <pubkey>:<ts>:<sig>)",
  ...access.device(),
  responses: { 200: jsonContent("The device's link", DeviceLinkSchema), ...errorsFor(401) },
});

const pairingCtx = (deps: PairingDeps, c: Context<HonoEnv>): PairingCtx => ({
  ...ctxOf(deps, c),
  consoleUrl: deps.config.CONSOLE_URL,
  pollIntervalSeconds: deps.config.LINK_POLL_INTERVAL_SECONDS,
});

export function registerPairingRoutes(router: OpenAPIHono<HonoEnv>, deps: PairingDeps) {
  const perIp = rateLimitByIp(deps.rateLimiter, {
    bucket: "link-ip",
    limit: deps.config.RATE_LIMIT_LINK_PER_MINUTE,
    windowSeconds: 60,
    trustProxy: deps.config.TRUST_PROXY,
  });
  // Polling is paced per device code (slow_down), so the per-IP limit covers init and approve.
  router.openapi(guarded(initRoute, perIp), async (c) => c.json(await initLink(pairingCtx(deps, c), c.req.valid("json")), 201));
  router.openapi(guarded(approveRoute, perIp), async (c) => {
    const approved = await approveLink(pairingCtx(deps, c), c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), device_pubkey: approved.pubkey });
    return c.json(approved, 200);
  });
  router.openapi(statusRoute, async (c) => c.json(await linkStatus(pairingCtx(deps, c), { deviceCode: c.req.valid("query").device_code }), 200));
  router.openapi(viewRoute, async (c) => c.json(await viewLinkRequest(pairingCtx(deps, c), c.req.valid("param")), 200));

  router.openapi(deviceRoute, async (c) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Device\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError("invalid_device_signature", "expected Authorization: Device <pubkey>:<unix seconds>:<base58 signature>");
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
}
