import type { OpenAPIHono } from "@hono/zod-openapi";
import { authenticate, registerAuthRoutes } from "@/auth";
import { registerConsoleRoutes } from "@/console";
import { registerLedgerRoutes } from "@/ledger";
import { deviceScheme, registerPairingRoutes } from "@/pairing";
import { registerPayoutRoutes } from "@/payouts";
import { registerChainRoutes } from "@/chain";
import { registerRegistryRoutes } from "@/registry";
import { registerPublicRoutes } from "@/public";
import { registerRealtimeRoutes } from "@/realtime";
import { registerProfileRoutes } from "@/profiles";
import { registerNotificationRoutes } from "@/notifications";
import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AppError } from "@/core/errors";
import type { AppDeps } from "./deps";
import type { HonoEnv } from "./env";
import { errorJson, notFoundHandler, onError } from "./errors";
import { createMetrics, type Metrics } from "./metrics";
import { jsonDepthLimit } from "./middleware/json-depth";
import { requestContext } from "./middleware/request-context";
import { buildOpenApiDocument, registerOpenApiComponents } from "./openapi";
import { newRouter } from "./router";
import { registerSystemRoutes } from "./system-routes";

export interface BuiltApp {
  app: OpenAPIHono<HonoEnv>;
  metrics: Metrics;
}

/**
 * Wires every module's routes onto one app. Registration has no side effects and touches deps
 * only inside handlers, so scripts/openapi.ts can build the document without a database.
 */
export function createApp(deps: AppDeps): BuiltApp {
  const app = newRouter();
  const metrics = createMetrics(deps.sql, deps.applicationName, deps.config.DB_POOL_MAX);

  app.use("*", requestContext(deps.logger));
  app.use("*", metrics.middleware);
  app.use(
    "*",
    cors({
      origin: deps.config.CONSOLE_ORIGINS,
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-Id"],
      exposeHeaders: ["X-Request-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
      maxAge: 600,
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.config.BODY_LIMIT_BYTES,
      onError: (c) =>
        errorJson(c, new AppError("payload_too_large", `request body exceeds ${deps.config.BODY_LIMIT_BYTES} bytes`)),
    }),
  );
  app.use("*", jsonDepthLimit());

  app.use("*", authenticate({ ...deps, schemes: { Device: deviceScheme(deps) } }));

  registerOpenApiComponents(app);
  registerSystemRoutes(app, deps, metrics);
  registerAuthRoutes(app, deps);
  registerProfileRoutes(app, deps);
  registerPairingRoutes(app, deps);
  registerLedgerRoutes(app, deps);
  registerPayoutRoutes(app, deps);
  registerChainRoutes(app, deps);
  registerRegistryRoutes(app, deps);
  registerRealtimeRoutes(app, deps);
  registerPublicRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerConsoleRoutes(app);

  // Built once, on first request: the document never changes while the process runs.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => c.json((document ??= buildOpenApiDocument(app))));
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "MachPay API" }));

  app.notFound(notFoundHandler);
  app.onError(onError);
  return { app, metrics };
}
