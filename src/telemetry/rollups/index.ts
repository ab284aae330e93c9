// Telemetry rollups and alerts: hourly aggregates of the raw tables (sql/0017) and the alerts
// evaluated over them. The job is started by whichever process runs it (src/telemetry/index.ts).
export { runRollup, type RollupOptions, type RollupResult } from "./rollup";
export { startTelemetryRollups, rollupOptionsOf, rollupJob } from "./job";
export { fireAlerts, type AlertRules, type FiredAlerts } from "./alerts";
export { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, bucketOf, quantile, sumHistograms } from "./histogram";
