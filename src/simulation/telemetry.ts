import type { Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Ingest } from "@/telemetry";
import type { SimAgent, SimVendor } from "./actors";

// What the simulated gateways and agent SDKs report, in the documented shapes (ecosystem-notes
// §2.2, §2.3), through the receiver's own ingest in process (the same validation, queue and COPY
// writer as POST /v1/ingest and /v1/telemetry): each simulated payment as the vendor's gateway
// saw it (com.machpay.payment.authorized), a few refusals (request.blocked), a deep packet per
// gateway and an SDK packet per agent each period. So the dashboards' telemetry moves in
// development; the hourly rollup (the API's workers, or the receiver) turns it into figures.

/** The route a simulated gateway serves, by its vendor's service type. */
const ROUTES: Record<string, string> = {
  "inference-llm": "/v1/chat/completions",
  "image-generation": "/v1/images/generations",
  "web-search": "/v1/search",
  embeddings: "/v1/embeddings",
  "speech-to-text": "/v1/audio/transcriptions",
  "code-execution": "/v1/execute",
};
const BLOCK_REASONS = ["solvency_check_failed", "invalid_signature", "replay_detected"];

const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const gatewayOf = (vendor: SimVendor) => `sim-gw-${vendor.id}`;
const agentRef = (agent: SimAgent) => `sim-agent-${agent.id}`;
const hostOf = (vendor: SimVendor) => `sim-vendor-${vendor.id}.simulated.machpay`;

interface Seen {
  agent: SimAgent;
  vendor: SimVendor;
  amount: bigint;
  ok: boolean;
  latencyMs: number;
  time: Date;
}

export interface TelemetryFeed {
  /** A simulated payment (paid or refused), as its vendor's gateway and its agent's SDK saw it. */
  saw(payment: { agent: SimAgent; vendor: SimVendor; amount: bigint; ok: boolean }): void;
  /** Sends what the period gathered, and the period's packets. */
  report(): void;
}

export function createTelemetryFeed(deps: { ingest: Ingest; clock: Clock; log: Logger; agents: SimAgent[]; vendors: SimVendor[] }): TelemetryFeed {
  const { ingest, clock, log } = deps;
  const startedAt = clock.now().getTime();
  let seen: Seen[] = [];
  let periodStart = clock.now();
  // Each simulated gateway has its own speed and error rate (under the alerting 5%).
  const profile = new Map(deps.vendors.map((v, i) => [v.id, { p50: 15 + 10 * i, p99: 60 + 45 * i, errorRate: 0.005 * (i + 1) }]));

  const submit = (what: string, send: () => unknown) => {
    try {
      send();
    } catch (err) {
      // A full queue (429) or a refusal: telemetry is lossy by design; the next period sends more.
      log.debug("simulated telemetry not taken", { what, err });
    }
  };

  const gatewayEvents = (now: Date) => {
    for (const vendor of deps.vendors) {
      const events: Record<string, unknown>[] = seen
        .filter((s) => s.vendor.id === vendor.id)
        .map((s) => ({
          specversion: "1.0",
          id: crypto.randomUUID(),
          type: s.ok ? "com.machpay.payment.authorized" : "com.machpay.request.blocked",
          source: gatewayOf(vendor),
          time: s.time.toISOString(),
          datacontenttype: "application/json",
          data: s.ok
            ? { agent_id: agentRef(s.agent), amount: s.amount.toString(), service_id: null, latency_ms: s.latencyMs }
            : { agent_id: agentRef(s.agent), reason: "solvency_check_failed", required_amount: s.amount.toString() },
        }));
      if (Math.random() < 0.3) {
        const agent = deps.agents[between(0, deps.agents.length - 1)]!;
        events.push({
          specversion: "1.0",
          id: crypto.randomUUID(),
          type: "com.machpay.request.blocked",
          source: gatewayOf(vendor),
          time: now.toISOString(),
          data: { agent_id: agentRef(agent), reason: BLOCK_REASONS[between(0, BLOCK_REASONS.length - 1)]! },
        });
      }
      if (events.length > 0) submit("events", () => ingest.submitGateway(vendor.id, events));
    }
  };

  const gatewayPackets = (now: Date) => {
    for (const vendor of deps.vendors) {
      const p = profile.get(vendor.id)!;
      const paid = seen.filter((s) => s.vendor.id === vendor.id && s.ok).length;
      const requests = paid + between(5, 40);
      const errors = Math.round(requests * p.errorRate * Math.random() * 2);
      submit("packet", () =>
        ingest.submitGateway(vendor.id, {
          source: "gateway",
          gateway_id: gatewayOf(vendor),
          period_start: periodStart.toISOString(),
          period_end: now.toISOString(),
          system: { cpu_usage_percent: between(5, 60), ram_usage_mb: between(120, 400), goroutines: between(20, 90), gc_pause_ns: between(50_000, 400_000), uptime_seconds: Math.floor((now.getTime() - startedAt) / 1000) },
          network: { bytes_in: requests * 2048, bytes_out: requests * 8192, active_connections: between(1, 30) },
          business: {
            routes: {
              [ROUTES[vendor.serviceType] ?? "/v1/call"]: {
                "200": requests - errors,
                "402": between(0, 3),
                "500": errors,
                latency_p50: p.p50 + between(0, 10),
                latency_p99: p.p99 + between(0, 60),
              },
            },
            solvency_rejects: 0,
            replay_attacks_blocked: 0,
            signature_failures: 0,
          },
        }),
      );
    }
  };

  const sdkPackets = (now: Date) => {
    for (const agent of deps.agents) {
      const interactions: Record<string, Record<string, unknown>> = {};
      for (const s of seen.filter((x) => x.agent.id === agent.id)) {
        const i = (interactions[hostOf(s.vendor)] ??= { attempts: 0, success: 0, failures: 0, spend_atomic: 0n, payment_latency_p99: 0 });
        i.attempts = Number(i.attempts) + 1;
        i[s.ok ? "success" : "failures"] = Number(i[s.ok ? "success" : "failures"]) + 1;
        if (s.ok) i.spend_atomic = (i.spend_atomic as bigint) + s.amount;
        i.payment_latency_p99 = Math.max(Number(i.payment_latency_p99), s.latencyMs);
      }
      for (const i of Object.values(interactions)) i.spend_atomic = String(i.spend_atomic);
      const start = periodStart.toISOString();
      submit("sdk", () =>
        ingest.submitAgent(agent.id, {
          specversion: "1.0",
          type: "agent.telemetry",
          source: `agent:${agentRef(agent)}`,
          id: `${start}-${agent.id}`,
          time: now.toISOString(),
          datacontenttype: "application/json",
          data: { agent_id: agentRef(agent), period_start: start, period_end: now.toISOString(), interactions, source: "sdk", sdk_version: "simulated" },
        }),
      );
    }
  };

  return {
    saw(payment) {
      // The gateway's time per request: mostly around its median, now and then towards its p99.
      const p = profile.get(payment.vendor.id) ?? { p50: 20, p99: 100 };
      const latencyMs = Math.random() < 0.9 ? between(Math.round(p.p50 / 2), p.p50 * 2) : between(p.p50, p.p99);
      seen.push({ ...payment, latencyMs, time: clock.now() });
    },
    report() {
      const now = clock.now();
      if (now.getTime() <= periodStart.getTime()) return;
      gatewayEvents(now);
      gatewayPackets(now);
      sdkPackets(now);
      seen = [];
      periodStart = now;
    },
  };
}
