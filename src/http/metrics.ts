import type { MiddlewareHandler } from "hono";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "./env";

export interface Metrics {
  registry: Registry;
  middleware: MiddlewareHandler<HonoEnv>;
}

/**
 * A registry per app (not prom-client's global one) so tests can run several apps in one process.
 * Pool usage is read from pg_stat_activity at scrape time: postgres.js exposes no pool counters,
 * and the server's own view is the truth anyway. The API passes the registry its modules already
 * registered their business metrics in (Infra.metrics); the receiver lets it make one.
 */
export function createMetrics(sql: Sql, applicationName: string, poolMax: number, registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool's lint refuses; nodejs_active_handles{type},
  // nodejs_active_requests{type} and nodejs_active_resources{type} say the same, per type.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);

  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: "db_pool_max_connections",
    help: "Configured maximum size of the database pool",
    registers: [registry],
    collect() {
      this.set(poolMax);
    },
  });
  new Gauge({
    name: "db_pool_connections",
    help: "Open database connections of this instance, by state (from pg_stat_activity)",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await sql<{ state: string | null; n: bigint }[]>`
          SELECT state, count(*) AS n
          FROM pg_stat_activity
          WHERE application_name = ${applicationName}
          GROUP BY state`;
        for (const row of rows) this.set({ state: row.state ?? "unknown" }, Number(row.n));
      } catch {
        // The database being down must not break /metrics; the gauge is simply empty.
      }
    },
  });

  const middleware: MiddlewareHandler<HonoEnv> = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // routePath keeps label cardinality bounded ("/v1/services/:id", not every id).
      const labels = { method: c.req.method, route: c.req.routePath || "unmatched", status: String(c.res.status) };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  };
  return { registry, middleware };
}

/**
 * The metric of that name already in the registry, else a new one: a module assembled twice over
 * one registry (two routers of one module, the harness) shares its instruments instead of making
 * prom-client throw on the second registration.
 */
export function metricOf<T>(registry: Registry, name: string, make: () => T): T {
  // SAFETY: a name is made by one call site only, so the metric found is of the type it makes.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
