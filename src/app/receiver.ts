import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "@/config";
import { createKeyUsage, createSecrets, type KeyUsage, type Secrets } from "@/auth";
import { systemClock, type Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import { createReadinessProbe, type ReadinessProbe } from "@/db/readiness";
import type { HonoEnv } from "@/http/env";
import { errorJson, notFoundHandler, onError } from "@/http/errors";
import { createMetrics, type Metrics } from "@/http/metrics";
import { requestContext } from "@/http/middleware/request-context";
import { completeOperations } from "@/http/openapi-operations";
import type { Stop } from "@/http/module";
import { newRouter } from "@/http/router";
import { serve } from "@/http/serve";
import { registerSystemRoutes } from "@/http/system-routes";
import { rollupJob, telemetryModule } from "@/telemetry";
import type { RunningApp } from "./lifecycle";
import { OPERATION_DOCS } from "./operation-docs";

// The composition root of the telemetry receiver (`bun run receiver`, `machpay-api receiver`): the
// same codebase, its own process and port, a smaller set of dependencies (no payment engine, no
// broker, no chain). Stateless apart from its write queue, so replicas behind a load balancer are
// safe. Built from the same pieces as the API: the request context and its log line, the HTTP
// metrics, the system routes, the error envelope, the server and its shutdown.

export interface ReceiverInfra {
  config: Config;
  sql: Sql;
  logger: Logger;
  applicationName: string;
  clock: Clock;
  secrets: Secrets;
  keyUsage: KeyUsage;
  readiness: ReadinessProbe;
}

/** What a test may supply: its clock, and the API's secrets (a test app's pepper lives in memory). */
export interface ReceiverOverrides {
  clock?: Clock;
  secrets?: Secrets;
}

export function createReceiverInfra(base: { config: Config; sql: Sql; logger: Logger; applicationName: string }, overrides: ReceiverOverrides = {}): ReceiverInfra {
  const clock = overrides.clock ?? systemClock;
  return {
    ...base,
    clock,
    secrets: overrides.secrets ?? createSecrets(base.config, base.logger),
    keyUsage: createKeyUsage(base.sql, clock, base.logger),
    readiness: createReadinessProbe(base.config.DATABASE_URL, base.applicationName),
  };
}

export interface BuiltReceiver {
  app: OpenAPIHono<HonoEnv>;
  metrics: Metrics;
  telemetry: ReturnType<typeof telemetryModule>;
}

export const RECEIVER_OPENAPI_INFO = {
  title: "MachPay Telemetry Receiver",
  version: "0.1.0",
  description:
    "What vendor gateways and agent SDKs report: CloudEvents batches and deep packets from gateways, telemetry packets from SDKs. " +
    "A process of its own (`bun run receiver`, port RECEIVER_PORT); the API's dashboards read what it writes. " +
    'Every error is `{"error": {"code", "message", "details"?, "request_id"}}`.',
};

export function buildReceiverDocument(app: OpenAPIHono<HonoEnv>) {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: RECEIVER_OPENAPI_INFO,
    servers: [{ url: "http://localhost:8082", description: "Local development" }],
    tags: RECEIVER_OPENAPI_TAGS,
  });
  // SAFETY: the generated paths are objects of operations keyed by method; completeOperations reads them as such.
  completeOperations(document.paths as Parameters<typeof completeOperations>[0], OPERATION_DOCS, { device: RECEIVER_DEVICE });
  return document;
}

const RECEIVER_OPENAPI_TAGS = [
  { name: "system", description: "Liveness, readiness and Prometheus metrics of the receiver." },
  { name: "telemetry", description: "What gateways and agent SDKs report: CloudEvents batches, deep packets and SDK packets." },
];
// The receiver's device credential signs the body too, so it is accepted on its writes.
const RECEIVER_DEVICE = { text: "a linked device's signature over the request and its body (`Authorization: Ingest <pubkey>:<ts>:<sig>`)", signsWrites: true };

/** The receiver's app: plumbing middleware, the system routes, telemetry's ingest routes. No side effects until a request comes. */
export function createReceiverApp(infra: ReceiverInfra): BuiltReceiver {
  const app = newRouter();
  const metrics = createMetrics(infra.sql, infra.applicationName, infra.config.DB_POOL_MAX);
  const telemetry = telemetryModule(infra, { registry: metrics.registry });
  const limit = infra.config.RECEIVER_BODY_LIMIT_BYTES;

  app.use("*", requestContext(infra.logger));
  app.use("*", metrics.middleware);
  app.use(
    "*",
    bodyLimit({
      maxSize: limit,
      onError: (c) => {
        telemetry.ingest.metrics.requestsRejected.inc({ reason: "too_large" });
        return errorJson(c, new AppError("payload_too_large", `request body exceeds ${limit} bytes (RECEIVER_BODY_LIMIT_BYTES)`));
      },
    }),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A gateway key (mp_gk_live_...) on /v1/ingest, an agent key (mp_sk_live_...) on /v1/telemetry; with the write permission.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "ingestSignature", {
    type: "http",
    scheme: "Ingest",
    description:
      "A linked device key's signature over the request and its body: `Authorization: Ingest <pubkey>:<unix seconds>:<base58 signature>`, " +
      'signing "machpay-ingest:<METHOD>:<path?query>:<unix seconds>:<sha256 hex of the body>" (vendor devices on /v1/ingest, agent devices on /v1/telemetry).',
  });
  registerSystemRoutes(app, infra, metrics);
  app.route("/", telemetry.router);

  let document: ReturnType<typeof buildReceiverDocument> | undefined;
  app.get("/openapi.json", (c) => c.json((document ??= buildReceiverDocument(app))));

  app.notFound(notFoundHandler);
  app.onError(onError);
  return { app, metrics, telemetry };
}

/**
 * Listens (a taken port throws, with nothing started), then starts the API keys' last-used batcher
 * and, with `maintenance`, the partition worker and the rollup job. Stopping: the server stops accepting and finishes
 * its requests, the queue writes what it holds (within the grace period), then the jobs and the
 * connections close.
 */
export function startReceiver(infra: ReceiverInfra, built: BuiltReceiver, options: { port: number; hostname: string; maintenance: boolean }): RunningApp {
  const server = serve(built, { port: options.port, hostname: options.hostname, logger: infra.logger });
  infra.keyUsage.start(10_000);
  // Partitions and the hourly rollups (with its alerts): every replica may run them, an advisory
  // lock each lets one through at a time (the API runs the rollup too, with ENABLE_WORKERS).
  const jobs: Stop[] = options.maintenance ? [built.telemetry.start(), rollupJob(infra).start()] : [];
  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number) => {
    await server.stop(graceMs);
    await built.telemetry.ingest.drain(graceMs);
    await Promise.all(jobs.map((job) => job()));
    await infra.keyUsage.stop();
    await infra.readiness.close();
    await infra.sql.end({ timeout: 5 });
  };
  return { server, stop: (graceMs) => (stopping ??= stop(graceMs)) };
}
