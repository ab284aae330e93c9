import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { ctxOf } from "@/http/context";
import { ErrorBodySchema, errorResponses } from "@/http/errors";
import { clientIp } from "@/http/rate-limit/limiter";
import { sendOtp, verifyOtp } from "../otp/service";
import { SessionSchema } from "../schemas";
import { sessionCtx } from "./context";
import { jsonBody } from "@/http/route-helpers";
import { access } from "@/http/guards";

// Email one-time codes: POST /v1/auth/email/send-otp, POST /v1/auth/email/verify-otp


// Trimmed and lower-cased before the format check: " Ann@Example.COM" is ann@example.com.
const EmailSchema = z.string().trim().toLowerCase().email().max(254).openapi({ example: "ann@example.com" });

const SendOtpRequestSchema = z.object({ email: EmailSchema }).openapi("SendOtpRequest");
const SendOtpResponseSchema = z
  .object({
    status: z.literal("sent"),
    expires_in: z.number().int().openapi({ description: "Seconds the code stays valid", example: 600 }),
  })
  .openapi("SendOtpResponse");
const VerifyOtpRequestSchema = z
  .object({
    email: EmailSchema,
    code: z.string().regex(/^\d{6}$/, "expected the 6-digit code").openapi({ example: "042917" }),
  })
  .openapi("VerifyOtpRequest");

const sendOtpRoute = createRoute({
  method: "post",
  path: "/v1/auth/email/send-otp",
  operationId: "sendEmailOtp",
  ...access.public(),
  tags: ["auth"],
  summary: "Mail a 6-digit sign-in code to an email address",
  description:
    "Every well-formed address gets the same 202, whether or not it has an account. The code expires in 10 minutes, " +
    "works once, and dies after 3 wrong tries; a new code replaces the previous one. At most 5 codes per address per hour, " +
    "and a per-IP limit.",
  request: { body: jsonBody(SendOtpRequestSchema) },
  responses: {
    202: { description: "A code was mailed", content: { "application/json": { schema: SendOtpResponseSchema } } },
    400: errorResponses[400],
    429: errorResponses[429],
    500: errorResponses[500],
    503: { description: "The mail relay is unavailable (`mail_unavailable`); retry after Retry-After", content: { "application/json": { schema: ErrorBodySchema } } },
  },
});

const verifyOtpRoute = createRoute({
  method: "post",
  path: "/v1/auth/email/verify-otp",
  operationId: "verifyEmailOtp",
  ...access.public(),
  tags: ["auth"],
  summary: "Sign in with a mailed code (creates the user on first login)",
  description:
    "401 `otp_invalid` for a wrong, used or replaced code (`details.attempts_remaining` after a wrong try), " +
    "`otp_expired` after 10 minutes, `otp_exhausted` once 3 wrong tries killed the code.",
  request: { body: jsonBody(VerifyOtpRequestSchema) },
  responses: {
    200: { description: "A new session", content: { "application/json": { schema: SessionSchema } } },
    400: errorResponses[400],
    401: errorResponses[401],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

export function registerEmailRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  router.openapi(sendOtpRoute, async (c) => {
    const ctx = { ...ctxOf(deps, c), secrets: deps.secrets, mailer: deps.mailer, rateLimiter: deps.rateLimiter };
    const sent = await sendOtp(ctx, { email: c.req.valid("json").email, ip: clientIp(c, deps.config.TRUST_PROXY) });
    return c.json({ status: "sent" as const, expires_in: sent.expiresInSeconds }, 202);
  });
  router.openapi(verifyOtpRoute, async (c) => {
    const session = await verifyOtp({ ...sessionCtx(deps, c), secrets: deps.secrets }, c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), user_id: session.user.id });
    return c.json(session, 200);
  });
}
