import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorResponses } from "@/http/errors";
import { logout, refreshSession } from "../sessions";
import { SessionSchema } from "../schemas";
import { sessionCtx } from "./context";
import { jsonBody } from "@/http/route-helpers";
import { access } from "@/http/guards";


const refreshRoute = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  operationId: "refreshSession",
  ...access.public(),
  tags: ["auth"],
  summary: "Trade a refresh token for a new access token and a new refresh token",
  description: "A refresh token works once. Presenting an already used one revokes every token of its login (reuse detection).",
  request: { body: jsonBody(z.object({ refresh_token: z.string().min(1) }).openapi("RefreshRequest", { example: { refresh_token: "rt_8Qm2VxY4nL0pT6cZ1wB9sD3fH7jK5gR" } })) },
  responses: {
    200: { description: "A new session", content: { "application/json": { schema: SessionSchema } } },
    400: errorResponses[400],
    401: errorResponses[401],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  operationId: "logout",
  ...access.public(),
  tags: ["auth"],
  summary: "End a login: revoke the refresh token's family (or, signed in, every login with all=true)",
  description: "Access tokens are stateless and stay valid until they expire (at most ACCESS_TOKEN_TTL_SECONDS).",
  request: {
    body: jsonBody(z.object({ refresh_token: z.string().min(1).optional(), all: z.boolean().optional() }).openapi("LogoutRequest", { example: { refresh_token: "rt_8Qm2VxY4nL0pT6cZ1wB9sD3fH7jK5gR" } })),
  },
  responses: {
    204: { description: "Logged out" },
    400: errorResponses[400],
    401: errorResponses[401],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

const JwkSchema = z
  .object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() })
  .openapi("Jwk", { example: { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k1", alg: "EdDSA", use: "sig" } });

const jwksRoute = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "getJwks",
  ...access.public(),
  tags: ["auth"],
  summary: "Public keys that verify access tokens (EdDSA), for offline verification by gateways",
  responses: {
    200: { description: "JSON Web Key Set", content: { "application/json": { schema: z.object({ keys: z.array(JwkSchema) }).openapi("Jwks") } } },
  },
});

export function registerTokenRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  router.openapi(refreshRoute, async (c) => {
    const session = await refreshSession(sessionCtx(deps, c), c.req.valid("json").refresh_token);
    return c.json(session, 200);
  });
  router.openapi(logoutRoute, async (c) => {
    const body = c.req.valid("json");
    if (body.all && c.get("authError")) throw c.get("authError");
    await logout(sessionCtx(deps, c), { refreshToken: body.refresh_token, all: body.all });
    return c.body(null, 204);
  });
  router.openapi(jwksRoute, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: deps.tokens.jwks.keys as z.infer<typeof JwkSchema>[] }, 200);
  });
}
