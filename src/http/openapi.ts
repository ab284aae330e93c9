import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "./env";
import { completeOperations, type OperationDoc } from "./openapi-operations";

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
  // The two schemes that are not bearer tokens, so that operations taking only them declare their security too.
  app.openAPIRegistry.registerComponent("securitySchemes", "deviceSignature", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "A linked device key's signature: `Authorization: Device <pubkey>:<unix seconds>:<base58 Ed25519 signature>` (read only: GET operations).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "reconSignature", {
    type: "apiKey",
    in: "header",
    name: "X-MachPay-Signature",
    description: "`sha256=<hex HMAC-SHA-256 of the raw body under RECON_WEBHOOK_SECRET>`: the reconciliation service.",
  });
}

/** One tag per module (each operation carries its module's), in the order the reference lists them. */
export const OPENAPI_TAGS = [
  { name: "system", description: "Liveness, readiness and Prometheus metrics of the process." },
  { name: "auth", description: "Sign-in (Solana wallet, email code, Google), sessions and refresh tokens, and the API keys of agents and gateways." },
  { name: "profiles", description: "A user's agent or vendor profile, which gives the architect or operator role." },
  { name: "pairing", description: "Linking a device key (an agent SDK or a vendor gateway) to a person's profile." },
  { name: "ledger", description: "The internal ledger: an agent's balances, payments, bond, limits and settings; gateway payments; the admin audit." },
  { name: "chain", description: "Solana: an agent's deposit address and USDC deposits claimed by transaction signature." },
  { name: "payouts", description: "A vendor's withdrawals to its wallet, its stats, and settlement outcomes from recon." },
  { name: "registry", description: "The service marketplace: a vendor's endpoints, and public listing, search and resolution of services." },
  { name: "realtime", description: "Server-sent events: the public ticker and stats, and a user's own notifications." },
  { name: "public", description: "The network's public numbers: dashboard, ticker, stats, flows and leaderboard." },
  { name: "notifications", description: "Webhooks that receive a user's notifications, signed." },
  { name: "x402", description: "An x402 facilitator: verify and settle x402 payments for vendor gateways." },
  { name: "mcp", description: "A Model Context Protocol server over Streamable HTTP: the marketplace and an agent's account as tools." },
];

export interface DocumentOptions {
  /** The server's public base URL (config PUBLIC_URL): the document's `servers`. */
  publicUrl: string;
  /** Each operation's cost and own error codes, by operationId (src/app/operation-docs.ts). */
  operations: Readonly<Record<string, OperationDoc>>;
}

/** The OpenAPI 3.1 document of an app, as an object. Built from route definitions only. */
export function buildOpenApiDocument(app: OpenAPIHono<HonoEnv>, options: DocumentOptions) {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: options.publicUrl, description: "This server (PUBLIC_URL)" }],
    tags: OPENAPI_TAGS,
  });
  // SAFETY: the generated paths are objects of operations keyed by method; completeOperations reads them as such.
  completeOperations(document.paths as Parameters<typeof completeOperations>[0], options.operations);
  return document;
}
