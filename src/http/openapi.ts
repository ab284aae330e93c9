import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "./env";

export const OPENAPI_INFO = {
  title: "MachPay Backend API",
  version: "0.1.0",
  description:
    "Identity, onboarding, the internal ledger, Solana deposits and payouts, real-time events and the service marketplace of MachPay. " +
    "Money is always an integer number of atomic units of a token mint, carried in JSON as a string of digits in fields ending `_atomic`. " +
    'Every error is `{"error": {"code", "message", "details"?, "request_id"}}`. ' +
    "Each operation's `x-machpay-access` says who may call it: the `role` its user must hold and the `credentials` it accepts " +
    "(jwt, api_key, gateway_key, device, admin_token, recon_hmac; none: public). API keys hold read and/or write; a device signature holds read only, so it admits GET operations alone.",
};

/** Registers shared components (security schemes); called once when the app is built. */
export function registerOpenApiComponents(app: OpenAPIHono<HonoEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An access JWT (EdDSA) or an API key (mp_sk_live_..., mp_gk_live_...).",
  });
}

/** The OpenAPI 3.1 document of an app, as an object. Built from route definitions only. */
export function buildOpenApiDocument(app: OpenAPIHono<HonoEnv>) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: "http://localhost:8081", description: "Local development" }],
  });
}
