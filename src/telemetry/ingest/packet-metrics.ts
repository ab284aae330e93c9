import { AGENT_METRICS, GATEWAY_METRICS } from "../metric-names";
import { jsonCell } from "./copy-text";
import type { EntryBuilder } from "./entry";
import type { AgentTelemetryEvent, GatewayPacket } from "./schemas";

// The `metrics` rows a packet gives (names and labels: metric-names.ts). Only what the packet
// reported becomes a row: a missing field is no measurement, not a zero.

type Metric = (name: string, value: number | bigint | undefined, labels?: Record<string, string>) => void;

function metricWriter(entry: EntryBuilder, time: string, entityId: string, vendorId: bigint | null): Metric {
  return (name, value, labels = {}) => {
    if (value === undefined) return;
    entry.add("metrics", { time, entity_id: entityId, metric_name: name, value: Number(value), labels: jsonCell(labels), vendor_id: vendorId });
  };
}

const QUANTILE = /^latency_(p\d\d)$/;

export function gatewayPacketMetrics(entry: EntryBuilder, vendorId: bigint, packet: GatewayPacket): void {
  const m = metricWriter(entry, packet.period_end.iso, packet.gateway_id, vendorId);
  const { system = {}, network = {}, business = {} } = packet;
  for (const [route, stats] of Object.entries(business.routes ?? {})) {
    for (const [key, value] of Object.entries(stats)) {
      const quantile = QUANTILE.exec(key)?.[1];
      if (quantile) m(GATEWAY_METRICS.routeLatencyMs, value, { route, quantile });
      else m(GATEWAY_METRICS.requests, value, { route, status: key });
    }
  }
  m(GATEWAY_METRICS.cpuPercent, system.cpu_usage_percent);
  m(GATEWAY_METRICS.ramMb, system.ram_usage_mb);
  m(GATEWAY_METRICS.goroutines, system.goroutines);
  m(GATEWAY_METRICS.gcPauseNs, system.gc_pause_ns);
  m(GATEWAY_METRICS.uptimeSeconds, system.uptime_seconds);
  m(GATEWAY_METRICS.bytesIn, network.bytes_in);
  m(GATEWAY_METRICS.bytesOut, network.bytes_out);
  m(GATEWAY_METRICS.activeConnections, network.active_connections);
  m(GATEWAY_METRICS.totalRevenueAtomic, business.total_revenue);
  m(GATEWAY_METRICS.solvencyRejects, business.solvency_rejects);
  m(GATEWAY_METRICS.replayAttacksBlocked, business.replay_attacks_blocked);
  m(GATEWAY_METRICS.signatureFailures, business.signature_failures);
}

export function agentPacketMetrics(entry: EntryBuilder, agentId: bigint, packet: AgentTelemetryEvent["data"]): void {
  const m = metricWriter(entry, packet.period_end.iso, agentId.toString(), null);
  for (const [vendor, seen] of Object.entries(packet.interactions ?? {})) {
    const labels = { vendor };
    m(AGENT_METRICS.attempts, seen.attempts, labels);
    m(AGENT_METRICS.successes, seen.success, labels);
    m(AGENT_METRICS.failures, seen.failures, labels);
    m(AGENT_METRICS.paymentLatencyP50Ms, seen.payment_latency_p50, labels);
    m(AGENT_METRICS.paymentLatencyP99Ms, seen.payment_latency_p99, labels);
    m(AGENT_METRICS.vendorLatencyP99Ms, seen.vendor_latency_p99, labels);
    m(AGENT_METRICS.spendAtomic, seen.spend_atomic, labels);
    for (const [error, count] of Object.entries(seen.errors ?? {})) m(AGENT_METRICS.errors, count, { vendor, error });
  }
  const wallet = packet.wallet ?? {};
  m(AGENT_METRICS.usdcBalanceAtomic, wallet.usdc_balance_atomic);
  m(AGENT_METRICS.solBalanceLamports, wallet.sol_balance_lamports);
  const warnings = wallet.low_balance_warnings;
  m(AGENT_METRICS.lowBalanceWarnings, Array.isArray(warnings) ? warnings.length : typeof warnings === "boolean" ? Number(warnings) : warnings);
}
