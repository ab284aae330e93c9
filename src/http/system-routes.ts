import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { AppError } from "@/core/errors";
import { MIGRATIONS } from "@/db/migrations";
import type { Logger } from "@/core/logger";
import type { ReadinessProbe } from "@/db/readiness";
import type { HonoEnv } from "./env";
import { errorResponses } from "./errors";
import type { Metrics } from "./metrics";
import { access } from "./guards";

const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");
const ReadySchema = z
  .object({
    status: z.literal("ready"),
    database: z.literal("ok"),
    migrations: z.object({ applied: z.number().int(), expected: z.number().int() }),
  })
  .openapi("Ready");

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  ...access.public(),
  tags: ["system"],
  summary: "Liveness: the process answers",
  responses: { 200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } } },
});

const readyRoute = createRoute({
  method: "get",
  path: "/ready",
  operationId: "getReady",
  ...access.public(),
  tags: ["system"],
  summary: "Readiness: the database answers and every migration is applied",
  responses: {
    200: { description: "Ready to serve", content: { "application/json": { schema: ReadySchema } } },
    503: { ...errorResponses[500], description: "Not ready: database unreachable or migrations pending" },
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  ...access.public(),
  tags: ["system"],
  summary: "Prometheus metrics",
  responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } } },
});

// A readiness probe must answer quickly even when the database hangs: a refused connection
// answers at once, a silent one within this bound.
const READY_TIMEOUT_MS = 1000;

/** What the system routes read: the readiness probe and the process logger. */
export interface SystemDeps {
  readiness: ReadinessProbe;
  logger: Logger;
}

async function checkReady(deps: SystemDeps) {
  let applied: string[] | null;
  try {
    applied = await deps.readiness.appliedMigrations(READY_TIMEOUT_MS);
  } catch (err) {
    deps.logger.warn("readiness: database unreachable", { err });
    throw new AppError("not_ready", "database unreachable", { details: { database: "unreachable" } });
  }
  const names = new Set(applied ?? []);
  const missing = MIGRATIONS.filter((m) => !names.has(m.name)).map((m) => m.name);
  if (missing.length > 0) {
    throw new AppError("not_ready", "migrations pending", { details: { pending_migrations: missing } });
  }
  return { applied: names.size, expected: MIGRATIONS.length };
}

export function registerSystemRoutes(router: OpenAPIHono<HonoEnv>, deps: SystemDeps, metrics: Metrics) {
  router.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  router.openapi(readyRoute, async (c) => {
    const migrations = await checkReady(deps);
    return c.json({ status: "ready" as const, database: "ok" as const, migrations }, 200);
  });
  router.openapi(metricsRoute, async (c) => {
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
}
