// The rows the receiver writes to `metrics` (sql/0016): their names, and what entity_id and labels
// hold. Gateway metrics have entity_id = the gateway's id and vendor_id set (gateway ids are the
// operator's names, unique only within a vendor); agent metrics have entity_id = the agent's user
// id. Values are doubles: exact amounts stay in the packets' tables (gateway_telemetry.business,
// agent_telemetry.interactions) as digit strings.

/** From a gateway's deep packet, time = its period_end. */
export const GATEWAY_METRICS = {
  /** Requests of one route in the period; labels {route, status}. */
  requests: "gateway_requests",
  /** A route's latency as the gateway measured it, in ms; labels {route, quantile: "p50" | "p90" | "p95" | "p99"}. */
  routeLatencyMs: "gateway_route_latency_ms",
  cpuPercent: "gateway_cpu_usage_percent",
  ramMb: "gateway_ram_usage_mb",
  goroutines: "gateway_goroutines",
  gcPauseNs: "gateway_gc_pause_ns",
  uptimeSeconds: "gateway_uptime_seconds",
  bytesIn: "gateway_bytes_in",
  bytesOut: "gateway_bytes_out",
  activeConnections: "gateway_active_connections",
  totalRevenueAtomic: "gateway_total_revenue_atomic",
  solvencyRejects: "gateway_solvency_rejects",
  replayAttacksBlocked: "gateway_replay_attacks_blocked",
  signatureFailures: "gateway_signature_failures",
} as const;

/** From an agent SDK's packet, time = its period_end; per-vendor ones have labels {vendor} (the vendor's host). */
export const AGENT_METRICS = {
  attempts: "agent_interaction_attempts",
  successes: "agent_interaction_success",
  failures: "agent_interaction_failures",
  /** labels {vendor, error}. */
  errors: "agent_interaction_errors",
  paymentLatencyP50Ms: "agent_payment_latency_p50_ms",
  paymentLatencyP99Ms: "agent_payment_latency_p99_ms",
  vendorLatencyP99Ms: "agent_vendor_latency_p99_ms",
  spendAtomic: "agent_spend_atomic",
  usdcBalanceAtomic: "agent_usdc_balance_atomic",
  solBalanceLamports: "agent_sol_balance_lamports",
  lowBalanceWarnings: "agent_low_balance_warnings",
} as const;
