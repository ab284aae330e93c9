// The telemetry tables (sql/0016) and the column order the receiver COPYs them in: the row builders
// (ingest/rows.ts) and the COPY statements (queries/copy.ts) both read it, so they cannot disagree.

export const COPY_COLUMNS = {
  telemetry_events: ["time", "received_at", "event_id", "source", "type", "vendor_id", "agent_id", "data"],
  payment_authorized: ["time", "vendor_id", "gateway_id", "agent", "amount_atomic", "token_mint", "service_id", "latency_ms", "event_id"],
  request_blocked: ["time", "vendor_id", "gateway_id", "agent", "reason", "current_balance_atomic", "required_amount_atomic", "event_id"],
  solvency_alerts: ["time", "vendor_id", "gateway_id", "agent", "remaining_balance_atomic", "burn_rate_1h_atomic", "event_id"],
  gateway_telemetry: ["time", "vendor_id", "gateway_id", "period_start", "period_end", "config", "system", "network", "business"],
  agent_telemetry: ["time", "agent_id", "period_start", "period_end", "sdk_version", "wallet", "interactions", "reported_agent"],
  metrics: ["time", "entity_id", "metric_name", "value", "labels", "vendor_id"],
  logs: ["time", "level", "msg", "entity_id", "labels"],
} as const;

export type TelemetryTable = keyof typeof COPY_COLUMNS;
export type RoutedTable = Exclude<TelemetryTable, "telemetry_events">;

/**
 * Every table a flush may write, in the order it writes them: the raw copy first (it deduplicates),
 * logs last (packet configs are applied just before, and add their own log rows).
 */
export const TELEMETRY_TABLES = Object.keys(COPY_COLUMNS) as TelemetryTable[];
