import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

// Vendor endpoint registration and the public services API (lld-backend.md §3.6).
export function registerRegistryRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
