import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

// Sign-In-With-Solana: POST /v1/auth/challenge, POST /v1/auth/login/wallet
export function registerWalletRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}
