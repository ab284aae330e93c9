import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "@/config";
import { ctxOf } from "@/http/context";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorResponses } from "@/http/errors";
import { rateLimitedError } from "@/http/rate-limit/limiter";
import { SessionSchema } from "../schemas";
import { ChallengeRequestSchema, ChallengeSchema, WalletLoginRequestSchema } from "../siws/schemas";
import { issueChallenge, loginWithWallet, type SiwsCtx, type SiwsSettings } from "../siws/service";
import { sessionCtx } from "./context";
import { access } from "@/http/guards";

// Sign-In-With-Solana: POST /v1/auth/challenge, POST /v1/auth/login/wallet

/** Challenges per address: on top of the per-IP limit on /v1/auth/*, so that no one can flood
 * one wallet with nonces (each nonce also allows at most five failed logins). */
const CHALLENGES_PER_ADDRESS = 20;
const CHALLENGE_WINDOW_SECONDS = 600;

const challengeRoute = createRoute({
  method: "post",
  path: "/v1/auth/challenge",
  operationId: "createChallenge",
  ...access.public(),
  tags: ["auth"],
  summary: "Start a wallet login: a single-use nonce and a ready Sign-In-With-Solana message",
  description:
    "The nonce is bound to the address and expires after 5 minutes. Sign `message` with the wallet " +
    `(UTF-8 bytes, Ed25519) and send it to POST /v1/auth/login/wallet. At most ${CHALLENGES_PER_ADDRESS} challenges per address per ${CHALLENGE_WINDOW_SECONDS / 60} minutes.`,
  request: { body: { required: true, content: { "application/json": { schema: ChallengeRequestSchema } } } },
  responses: {
    200: { description: "A challenge", content: { "application/json": { schema: ChallengeSchema } } },
    400: errorResponses[400],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login/wallet",
  operationId: "loginWithWallet",
  ...access.public(),
  tags: ["auth"],
  summary: "Sign in with a Solana wallet (creates the user, an observer, on first login)",
  description:
    "`signature` is base58 of the Ed25519 signature over the UTF-8 bytes of `message`: the SIWS message of the challenge, " +
    "or one a wallet built from its fields (every field of the challenge, unchanged; a wallet may add Not Before, Request ID " +
    "and Resources). Without `message`, the signature is over the nonce string, sent as `nonce`. A nonce works once; five " +
    "failed logins kill it. Errors: 400 invalid_request, siws_message_malformed; 401 invalid_signature, nonce_invalid, " +
    "nonce_expired, nonce_used, siws_domain_mismatch, siws_address_mismatch, siws_message_mismatch (details name the field), " +
    "siws_issued_in_future, siws_message_expired, siws_message_not_yet_valid.",
  request: { body: { required: true, content: { "application/json": { schema: WalletLoginRequestSchema } } } },
  responses: {
    200: { description: "A new session", content: { "application/json": { schema: SessionSchema } } },
    400: errorResponses[400],
    401: errorResponses[401],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

const siwsSettings = (config: Config): SiwsSettings => ({
  domain: config.SIWS_DOMAIN,
  uri: config.PUBLIC_URL,
  statement: "Sign in to MachPay",
  chainId: config.SOLANA_CLUSTER,
});

export function registerWalletRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  const settings = siwsSettings(deps.config);
  const siwsCtx = (c: Context<HonoEnv>): SiwsCtx => ({ ...ctxOf(deps, c), siws: settings });

  router.openapi(challengeRoute, async (c) => {
    const { address } = c.req.valid("json");
    const limit = await deps.rateLimiter.check("siws-address", address, CHALLENGES_PER_ADDRESS, CHALLENGE_WINDOW_SECONDS);
    if (!limit.allowed) throw rateLimitedError(limit, "too many sign-in challenges for this address; retry later");
    return c.json(await issueChallenge(siwsCtx(c), { address }), 200);
  });

  router.openapi(loginRoute, async (c) => {
    const session = await loginWithWallet({ ...sessionCtx(deps, c), siws: settings }, c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), user_id: session.user.id });
    return c.json(session, 200);
  });
}
