// Telemetry: what gateways and agent SDKs report (sql/0016), its receiver (its own process, `bun
// run receiver`), and the tables the dashboards read. The owner of every telemetry table.
import type { Registry } from "prom-client";
import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { TelemetryDeps } from "./deps";
import { createIngest, type Ingest } from "./ingest/ingest";
import { registerIngestRoutes } from "./ingest/routes";
import { startPartitionMaintenance } from "./partitions";

export type { TelemetryDeps } from "./deps";
export { createIngest, type Ingest, type IngestDeps, type IngestResult } from "./ingest/ingest";
export { INGEST_SCHEME, INGEST_WINDOW_SECONDS, ingestMessage } from "./ingest/auth";
export { MAX_EVENT_AGE_MS, MAX_CLOCK_SKEW_MS, MAX_BATCH_EVENTS } from "./ingest/parse";
export { GATEWAY_EVENT_TYPES, GATEWAY_PACKET_TYPE, AGENT_EVENT_TYPE, type GatewayEvent, type GatewayPacket, type AgentTelemetryEvent } from "./ingest/schemas";
export { ADDRESS_MISMATCH_NOTIFICATION } from "./ingest/config-report";
export { GATEWAY_METRICS, AGENT_METRICS } from "./metric-names";
export { TELEMETRY_TABLES, COPY_COLUMNS, type TelemetryTable } from "./tables";
export { startPartitionMaintenance, runMaintenance, MAINTENANCE_INTERVAL_MS } from "./partitions";
// Rollups, alerts and the dashboards' reads (src/telemetry/rollups/, src/telemetry/read/).
export { runRollup, startTelemetryRollups, rollupOptionsOf, rollupJob, LATENCY_BUCKETS, type RollupOptions, type RollupResult } from "./rollups";
export {
  getVendorTelemetry,
  getNetworkTelemetry,
  VendorTelemetrySchema,
  NetworkTelemetrySchema,
  TELEMETRY_SOURCE,
  type VendorTelemetry,
  type NetworkTelemetry,
} from "./read";

/**
 * The receiver's part: its ingest routes (mounted by the receiver app only), the write queue behind
 * them, and the partition worker. `ingest` is the same path in process (the simulator's).
 */
export function telemetryModule(deps: TelemetryDeps, options: { registry?: Registry } = {}): Required<Module> & Runs & { ingest: Ingest } {
  const ingest = createIngest(deps, options.registry);
  const router = newRouter();
  registerIngestRoutes(router, { ...deps, ingest });
  return { router, ingest, start: () => startPartitionMaintenance(deps) };
}
