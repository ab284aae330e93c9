import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

// Email one-time codes: POST /v1/auth/email/send-otp, POST /v1/auth/email/verify-otp
export function registerEmailRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
