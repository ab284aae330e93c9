import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { authenticate, authModule } from "@/auth";
import { chainModule } from "@/chain";
import { consoleModule } from "@/console";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "@/http/env";
import { errorJson, notFoundHandler, onError } from "@/http/errors";
import { registerApiReference } from "@/http/api-reference";
import { createMetrics, type Metrics } from "@/http/metrics";
import { jsonDepthLimit } from "@/http/middleware/json-depth";
import { requestContext } from "@/http/middleware/request-context";
import type { Module } from "@/http/module";
import { buildOpenApiDocument, registerOpenApiComponents } from "@/http/openapi";
import { newRouter } from "@/http/router";
import { registerSystemRoutes } from "@/http/system-routes";
import { ledgerModule } from "@/ledger";
import { mcpModule } from "@/mcp";
import { notificationsModule } from "@/notifications";
import { deviceScheme, pairingModule } from "@/pairing";
import { payoutsModule } from "@/payouts";
import { profilesModule } from "@/profiles";
import { publicModule } from "@/public";
import { realtimeModule } from "@/realtime";
import { registryModule } from "@/registry";
import { simulationModule } from "@/simulation";
import { rollupJob } from "@/telemetry";
import { x402Module } from "@/x402";
import type { Infra } from "./infra";
import { documentOptions } from "./operation-docs";
import { registerWorkerBacklogs } from "./backlog";

export interface BuiltApp {
  app: OpenAPIHono<HonoEnv>;
  metrics: Metrics;
  /** Every module, by name: the root starts their background jobs (lifecycle.ts). */
  modules: AppModules;
}

export type AppModules = ReturnType<typeof assembleModules>;

/** Each module assembled from the dependencies it names (the whole Infra satisfies each). */
function assembleModules(infra: Infra, metrics: Metrics) {
  return {
    auth: authModule(infra),
    profiles: profilesModule(infra),
    pairing: pairingModule(infra),
    ledger: ledgerModule(infra),
    payouts: payoutsModule(infra),
    chain: chainModule(infra),
    registry: registryModule(infra),
    realtime: realtimeModule(infra),
    public: publicModule(infra),
    notifications: notificationsModule(infra),
    console: consoleModule(),
    simulation: simulationModule(infra),
    // The telemetry rollup and alerts (a receiver may run it too: an advisory lock lets one through at a time).
    telemetryRollups: rollupJob(infra),
    x402: x402Module(infra),
    // Its per-tool metrics join the app's registry (/metrics).
    mcp: mcpModule(infra, { metrics: metrics.registry }),
  } satisfies Record<string, Module>;
}

/**
 * The app: plumbing middleware, then each module's router mounted in turn. Building it has no
 * side effects and touches no dependency until a request comes, so scripts/openapi.ts can build
 * the document without a database.
 */
export function createApp(infra: Infra): BuiltApp {
  const app = newRouter();
  // The registry the modules' own figures are in already (engine, broker, rate limits); HTTP's and the backlogs join it.
  const metrics = createMetrics(infra.sql, infra.applicationName, infra.config.DB_POOL_MAX, infra.metrics);
  registerWorkerBacklogs(infra);

  app.use("*", requestContext(infra.logger));
  app.use("*", metrics.middleware);
  app.use(
    "*",
    cors({
      origin: infra.config.CONSOLE_ORIGINS,
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-Id", "Mcp-Protocol-Version"],
      exposeHeaders: ["X-Request-Id", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"],
      maxAge: 600,
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: infra.config.BODY_LIMIT_BYTES,
      onError: (c) => errorJson(c, new AppError("payload_too_large", `request body exceeds ${infra.config.BODY_LIMIT_BYTES} bytes`)),
    }),
  );
  app.use("*", jsonDepthLimit());
  // Every request's actor; the Device scheme is pairing's, handed to auth here so that auth
  // depends on no module that defines a scheme.
  app.use("*", authenticate({ ...infra, schemes: { Device: deviceScheme(infra) } }));

  registerOpenApiComponents(app);
  registerSystemRoutes(app, infra, metrics);
  const modules = assembleModules(infra, metrics);
  for (const module of Object.values(modules) as Module[]) if (module.router) app.route("/", module.router);

  // Built once, on first request: the document never changes while the process runs.
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => c.json((document ??= buildOpenApiDocument(app, documentOptions(infra.config)))));
  registerApiReference(app);

  app.notFound(notFoundHandler);
  app.onError(onError);
  return { app, metrics, modules };
}
