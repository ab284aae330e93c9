import { randomUUID } from "node:crypto";

// What gateways and agent SDKs send, exactly as ../shared/spec/ecosystem-notes.md documents it
// (§2.2: the gateway's CloudEvents and deep packet; §2.3: the SDK's packet in its CloudEvents
// envelope). Plain JSON, as a Go gateway or the Python SDK would write it: amounts as JSON numbers
// where those programs use integers.

export const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

const iso = (d: Date) => d.toISOString();

export function paymentAuthorized(o: { time: Date; gateway?: string; agent: string; amount: number | string; serviceId?: string; latencyMs?: number; id?: string }) {
  return {
    specversion: "1.0",
    id: o.id ?? randomUUID(),
    type: "com.machpay.payment.authorized",
    source: o.gateway ?? "gateway-01",
    time: iso(o.time),
    datacontenttype: "application/json",
    data: { agent_id: o.agent, amount: o.amount, token: USDC_MINT, service_id: o.serviceId ?? "svc_chat", latency_ms: o.latencyMs ?? 12 },
  };
}

export function requestBlocked(o: { time: Date; gateway?: string; agent: string; reason?: string; currentBalance?: number; requiredAmount?: number }) {
  return {
    specversion: "1.0",
    id: randomUUID(),
    type: "com.machpay.request.blocked",
    source: o.gateway ?? "gateway-01",
    time: iso(o.time),
    datacontenttype: "application/json",
    data: { agent_id: o.agent, reason: o.reason ?? "solvency_check_failed", current_balance: o.currentBalance ?? 100, required_amount: o.requiredAmount ?? 5000 },
  };
}

export function insolvencyRisk(o: { time: Date; gateway?: string; agent: string; remaining?: number; burnRate?: number }) {
  return {
    specversion: "1.0",
    id: randomUUID(),
    type: "com.machpay.agent.insolvency_risk",
    source: o.gateway ?? "gateway-01",
    time: iso(o.time),
    datacontenttype: "application/json",
    data: { agent_id: o.agent, remaining_balance: o.remaining ?? 20_000, burn_rate_1h: o.burnRate ?? 150_000 },
  };
}

/** The 60 s deep packet, `source: "gateway"`. */
export function deepPacket(o: {
  end: Date;
  gateway?: string;
  periodSeconds?: number;
  price?: number | string;
  mint?: string;
  withdrawalAddress?: string;
  routes?: Record<string, Record<string, number>>;
}) {
  const start = new Date(o.end.getTime() - (o.periodSeconds ?? 60) * 1000);
  return {
    source: "gateway",
    gateway_id: o.gateway ?? "gateway-01",
    period_start: iso(start),
    period_end: iso(o.end),
    config: {
      accepted_mint: o.mint ?? USDC_MINT,
      price_per_unit: o.price ?? 1000,
      version: "0.3.1",
      ...(o.withdrawalAddress ? { withdrawal_address: o.withdrawalAddress } : {}),
    },
    system: { cpu_usage_percent: 12.5, ram_usage_mb: 182.4, goroutines: 48, gc_pause_ns: 120_000, uptime_seconds: 86_400 },
    network: { bytes_in: 1_048_576, bytes_out: 4_194_304, active_connections: 17 },
    business: {
      total_revenue: 6_000_000,
      routes: o.routes ?? { "/chat": { "200": 1200, "402": 35, "500": 2, latency_p99: 87 }, "/images/gen": { "200": 40, latency_p99: 950 } },
      solvency_rejects: 3,
      replay_attacks_blocked: 1,
      signature_failures: 0,
    },
  };
}

/** The SDK's packet in its CloudEvents envelope (PY-DESIGN), `data.source: "sdk"`. */
export function sdkPacket(o: { end: Date; agent: string; vendor?: string; usdc?: number }) {
  const start = new Date(o.end.getTime() - 60_000);
  return {
    specversion: "1.0",
    type: "agent.telemetry",
    source: `agent:${o.agent}`,
    id: `${iso(start)}-${o.agent.slice(0, 8)}`,
    time: iso(o.end),
    datacontenttype: "application/json",
    data: {
      agent_id: o.agent,
      period_start: iso(start),
      period_end: iso(o.end),
      wallet: { sol_balance_lamports: 50_000_000, usdc_balance_atomic: o.usdc ?? 4_200_000, low_balance_warnings: 0 },
      interactions: {
        [o.vendor ?? "api.vendor.example"]: {
          attempts: 120,
          success: 117,
          failures: 3,
          payment_latency_p50: 21,
          payment_latency_p99: 84,
          vendor_latency_p99: 640,
          errors: { timeout: 2, "402_loop_failed": 1 },
          spend_atomic: 585_000,
        },
      },
      source: "sdk",
      sdk_version: "0.2.0",
    },
  };
}
