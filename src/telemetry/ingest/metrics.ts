import { Counter, Gauge, Histogram, Registry } from "prom-client";

// The receiver's own figures on its /metrics (next to the HTTP ones of src/http/metrics.ts).

export type RejectReason = "invalid" | "unauthorized" | "forbidden" | "too_large" | "queue_full";
export type DropReason = "write_failed" | "shutdown";

export interface IngestMetrics {
  accepted: Counter<"route">;
  requestsRejected: Counter<"reason">;
  rejected: Counter<"reason">;
  dropped: Counter<"reason">;
  duplicates: Counter;
  written: Counter<"table">;
  flushEvents: Histogram;
  flushSeconds: Histogram<"outcome">;
  flushFailures: Counter<"reason">;
}

export function createIngestMetrics(registry: Registry, depth: () => { events: number; bytes: number }): IngestMetrics {
  const registers = [registry];
  new Gauge({
    name: "telemetry_queue_events",
    help: "Events accepted and not yet written (queued or in a flush)",
    registers,
    collect() {
      this.set(depth().events);
    },
  });
  new Gauge({
    name: "telemetry_queue_bytes",
    help: "Size of the queued rows, in COPY text characters",
    registers,
    collect() {
      this.set(depth().bytes);
    },
  });
  return {
    accepted: new Counter({ name: "telemetry_events_accepted_total", help: "Events (and packets) accepted into the write queue", labelNames: ["route"], registers }),
    requestsRejected: new Counter({ name: "telemetry_requests_rejected_total", help: "Requests refused, by reason (credentials, validation, size, a full queue)", labelNames: ["reason"], registers }),
    rejected: new Counter({ name: "telemetry_events_rejected_total", help: "Events refused before queueing, by reason (a refused request counts each of its events)", labelNames: ["reason"], registers }),
    dropped: new Counter({ name: "telemetry_events_dropped_total", help: "Accepted events never written, by reason (telemetry is lossy by design)", labelNames: ["reason"], registers }),
    duplicates: new Counter({ name: "telemetry_events_duplicate_total", help: "Accepted events already stored (a replayed request or a retry), skipped", registers }),
    written: new Counter({ name: "telemetry_rows_written_total", help: "Rows written, by table", labelNames: ["table"], registers }),
    flushEvents: new Histogram({
      name: "telemetry_flush_events",
      help: "Events per flush",
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    flushSeconds: new Histogram({
      name: "telemetry_flush_duration_seconds",
      help: "Time of one flush transaction, by outcome",
      labelNames: ["outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    flushFailures: new Counter({ name: "telemetry_flush_failures_total", help: "Flushes that failed, by reason (database_unavailable ones are retried)", labelNames: ["reason"], registers }),
  };
}
