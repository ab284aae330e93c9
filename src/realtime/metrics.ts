import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { metricOf } from "@/http/metrics";
import { rateLimitRefusals } from "@/http/rate-limit/limiter";

// Real time on /metrics: open SSE streams by topic kind (ticker, stats, user: never a user id),
// streams ended by reason (slow_client: cut for falling MAX_QUEUED events behind), and the
// postgres broker's delivery lag and queue. Stream counts are read from the hub at scrape time.

/** The SSE side, fed by the hub. */
export interface StreamMetrics {
  ended(reason: string): void;
  refusedOverCap(): void;
}

/** ticker, stats or user (private topics are one kind whatever their id). */
export const topicKind = (topic: string) => (topic.startsWith("user:") ? "user" : topic);

/** Stop reasons a stream gives (stream.ts); anything else is "other", keeping the label bounded. */
const REASONS = new Set(["client_closed", "ended", "slow_client", "shutdown"]);

export function createStreamMetrics(registry: Registry, countByKind: () => Map<string, number>): StreamMetrics {
  const registers = [registry];
  metricOf(registry, "sse_connections", () =>
    new Gauge({
      name: "sse_connections",
      help: "Open SSE streams by topic kind (a stream of several topics counts under each kind it holds)",
      labelNames: ["topic"] as const,
      registers,
      collect() {
        this.reset();
        // Always present, so a dashboard shows 0 rather than no data.
        for (const kind of ["ticker", "stats", "user"]) this.set({ topic: kind }, 0);
        for (const [kind, n] of countByKind()) this.set({ topic: kind }, n);
      },
    }),
  );
  const ended = metricOf(registry, "sse_disconnects_total", () =>
    new Counter({ name: "sse_disconnects_total", help: "SSE streams ended, by reason (slow_client: cut for not reading its events)", labelNames: ["reason"] as const, registers }),
  );
  const refusals = rateLimitRefusals(registry);
  return {
    ended: (reason) => ended.inc({ reason: REASONS.has(reason) ? reason : "other" }),
    refusedOverCap: () => refusals.inc({ scope: "sse_streams" }),
  };
}

/** The postgres broker's side. */
export interface BrokerMetrics {
  /** A NOTIFY arrived on this instance: seconds since its publishing transaction began. */
  delivered(lagSeconds: number): void;
  dropped(n: number): void;
}

export function createBrokerMetrics(registry: Registry, pending: () => number): BrokerMetrics {
  const registers = [registry];
  const lag = metricOf(registry, "broker_delivery_lag_seconds", () =>
    new Histogram({
      name: "broker_delivery_lag_seconds",
      help: "Postgres broker: from the publishing transaction to its NOTIFY delivered on this instance (across hosts, includes clock skew)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  );
  metricOf(registry, "broker_pending_events", () =>
    new Gauge({ name: "broker_pending_events", help: "Postgres broker: events published here and not yet stored", registers, collect() { this.set(pending()); } }),
  );
  const dropped = metricOf(registry, "broker_dropped_events_total", () =>
    new Counter({ name: "broker_dropped_events_total", help: "Postgres broker: events dropped (a full publish queue, or a failed store)", registers }),
  );
  return { delivered: (s) => lag.observe(Math.max(0, s)), dropped: (n) => dropped.inc(n) };
}
