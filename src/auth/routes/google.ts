import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

// Google ID tokens: POST /v1/auth/login/google
export function registerGoogleRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
