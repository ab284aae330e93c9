import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { ErrorBodySchema, errorResponses } from "@/http/errors";
import { loginWithGoogle } from "../google/service";
import { createGoogleVerifier, type GoogleVerifier } from "../google/verifier";
import { SessionSchema } from "../schemas";
import { sessionCtx } from "./context";
import { access } from "@/http/guards";

// Google ID tokens: POST /v1/auth/login/google

const GoogleLoginSchema = z
  .object({
    id_token: z
      .string()
      // A compact JWS: header.payload.signature in base64url (the signature may be empty, as in
      // alg "none", which the verifier then refuses with 401). Google's are about 1 kB.
      .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, "expected a JWT (header.payload.signature)")
      .max(8192)
      .openapi({ description: "The ID token Google Identity Services gave the client (its `credential`)" }),
  })
  .openapi("GoogleLoginRequest");

const googleLoginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login/google",
  operationId: "loginWithGoogle",
  ...access.public(),
  tags: ["auth"],
  summary: "Sign in with a Google ID token",
  description:
    "The token must be signed by Google (RS256, Google's JWKS), issued for this server's GOOGLE_CLIENT_ID, unexpired, and carry a verified email. " +
    "The account is the one already linked to this Google account, else the one of the same email (an email-code user), else a new observer.",
  request: { body: { required: true, content: { "application/json": { schema: GoogleLoginSchema } } } },
  responses: {
    200: { description: "A new session", content: { "application/json": { schema: SessionSchema } } },
    400: errorResponses[400],
    401: { ...errorResponses[401], description: "invalid_id_token (bad signature, audience, issuer, expired...) or email_not_verified." },
    409: { ...errorResponses[409], description: "google_account_conflict: the email's account is linked to another Google account." },
    429: errorResponses[429],
    500: errorResponses[500],
    503: {
      description: "google_login_disabled (GOOGLE_CLIENT_ID is unset) or google_unavailable (Google's keys cannot be fetched).",
      content: { "application/json": { schema: ErrorBodySchema } },
    },
  },
});

export function registerGoogleRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  // One verifier per app, made on the first login (registration stays side-effect free): its
  // JWKS cache must outlive requests, or every login would fetch Google's keys again.
  let verifier: GoogleVerifier | undefined;
  const google = (): GoogleVerifier | undefined => {
    const clientId = deps.config.GOOGLE_CLIENT_ID;
    if (!clientId) return undefined;
    return (verifier ??= createGoogleVerifier({ clientId, jwksUrl: deps.config.GOOGLE_JWKS_URL }));
  };

  router.openapi(googleLoginRoute, async (c) => {
    const session = await loginWithGoogle({ ...sessionCtx(deps, c), google: google() }, { idToken: c.req.valid("json").id_token });
    c.set("logFields", { ...c.get("logFields"), user_id: session.user.id, auth: "google" });
    return c.json(session, 200);
  });
}
