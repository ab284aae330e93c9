import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

// API keys: GET/POST /v1/agent/keys, GET/POST /v1/vendor/keys, DELETE .../keys/{id}
export function registerKeyRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
