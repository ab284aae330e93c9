import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { rateLimitByIp } from "@/http/rate-limit/limiter";
import { registerEmailRoutes } from "./email";
import { registerGoogleRoutes } from "./google";
import { registerKeyRoutes } from "./keys";
import { registerMeRoutes } from "./me";
import { registerTokenRoutes } from "./tokens";
import { registerWalletRoutes } from "./wallet";

export function registerAuthRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  router.use(
    "/v1/auth/*",
    rateLimitByIp(deps.rateLimiter, {
      bucket: "auth-ip",
      limit: deps.config.RATE_LIMIT_AUTH_PER_MINUTE,
      windowSeconds: 60,
      trustProxy: deps.config.TRUST_PROXY,
    }),
  );
  registerWalletRoutes(router, deps);
  registerEmailRoutes(router, deps);
  registerGoogleRoutes(router, deps);
  registerTokenRoutes(router, deps);
  registerKeyRoutes(router, deps);
  registerMeRoutes(router, deps);
}
