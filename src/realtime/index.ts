// Real time: the broker, the SSE stream, and the events other modules publish (lld-backend.md §3.5).
import { BACKLOG_COUNT_CAP, readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { outboxBacklog } from "./queries";
import type { Config } from "@/config";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { RealtimeDeps } from "./deps";
import { registerRealtimeRoutes } from "./routes";
import { getNetworkStats } from "@/public";
import type { Registry } from "prom-client";
import type { Broker } from "./broker";
import { hubOf } from "./hub";
import { createBrokerMetrics, createStreamMetrics } from "./metrics";
import { createMemoryBroker } from "./memory-broker";
import { createPostgresBroker } from "./postgres-broker";
import { startNotificationRelay } from "./relay";
import { startPaymentEventRelay } from "./payment-relay";

export type { Broker, BrokerEvent, Listener, PublishOptions } from "./broker";
export { StreamEventSchema } from "./events";
export type { RealtimeDeps } from "./deps";
export { userTopic } from "./topics";

/** How many SSE streams this app holds open (each ends when its client goes away). */
export const openStreamCount = (broker: Broker): number => hubOf(broker).size;

/** Builds the broker BROKER names (the postgres one reports its delivery lag to `metrics`). */
export function createBroker(config: Config, sql: Sql, logger: Logger, metrics?: Registry): Broker {
  const options = { historySize: config.SSE_HISTORY_SIZE, logger };
  if (config.BROKER !== "postgres") return createMemoryBroker(options);
  return createPostgresBroker(sql, { ...options, ...(metrics ? { metrics: (pending: () => number) => createBrokerMetrics(metrics, pending) } : {}) });
}

export interface RealtimeOptions {
  /** How often network stats go out on `stats` (2 s: contract.md). */
  statsMs?: number;
  /** How long a stream may take to end at shutdown before it is cut. */
  shutdownGraceMs?: number;
}

/**
 * Stats loop and the notification and payment event relays; returns their stop function, which also ends every SSE
 * stream (main.ts runs it before the server drains in-flight requests).
 */
export function startRealtime(deps: RealtimeDeps, options: RealtimeOptions = {}): () => Promise<void> {
  const log = deps.logger.child({ component: "realtime" });
  const hub = hubOf(deps.broker);
  // The stats topic is GET /v1/stats's figures: a read that may lag (a replica within its bound).
  const ctx = () => ({ sql: deps.reads.sql(), actor: { kind: "system", job: "stats" } as const, clock: deps.clock, log, tokenMint: deps.config.USDC_MINT });
  let statsRunning = false;
  // Each instance computes the stats for its own subscribers (ephemeral: not sent to others).
  const publishStats = async () => {
    if (statsRunning || hub.size === 0) return;
    statsRunning = true;
    try {
      deps.broker.publish("stats", "stats", await getNetworkStats(ctx()), { ephemeral: true });
    } catch (err) {
      log.warn("stats computation failed", { err });
    } finally {
      statsRunning = false;
    }
  };
  const stats = setInterval(() => void publishStats(), options.statsMs ?? 2000);
  stats.unref?.();
  const stopRelay = startNotificationRelay(deps.sql, deps.broker, log);
  const stopPayments = startPaymentEventRelay({ sql: deps.sql, broker: deps.broker, logger: log, waker: deps.paymentEvents });

  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      clearInterval(stats);
      await Promise.all([stopRelay(), stopPayments()]);
      await hub.closeAll(options.shutdownGraceMs ?? 1000);
    })());
}

/**
 * The SSE stream and the stats loop and notification relay behind it. Its stop ends every
 * stream too: the root runs it before the server waits for in-flight requests.
 */
export function realtimeModule(deps: RealtimeDeps, options: RealtimeOptions = {}): Module & Runs {
  const router = newRouter();
  const hub = hubOf(deps.broker);
  hub.metrics = createStreamMetrics(deps.metrics, () => hub.countByTopicKind());
  registerRealtimeRoutes(router, deps);
  return { router, start: () => startRealtime(deps, options) };
}

/** The SSE notification relay's outbox on /metrics (worker="realtime_outbox"). */
export const realtimeOutboxBacklog: BacklogProbe = { worker: "realtime_outbox", read: async (sql) => readingOf(await outboxBacklog(sql, BACKLOG_COUNT_CAP)) };
