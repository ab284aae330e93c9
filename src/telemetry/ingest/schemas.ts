import { z } from "@hono/zod-openapi";
import { Atomic, Count, GatewayId, Measure, Mint, NullableAtomic, text, Timestamp } from "./fields";

// What gateways and agent SDKs send (ecosystem-notes §2.2, §2.3), as documented there. Unknown
// CloudEvents extension attributes and unknown fields are allowed (kept in the raw copy, not
// routed); a known field of the wrong type or out of range is refused, naming it.

export const GATEWAY_EVENT_TYPES = ["com.machpay.payment.authorized", "com.machpay.request.blocked", "com.machpay.agent.insolvency_risk"] as const;
export const GATEWAY_PACKET_TYPE = "com.machpay.gateway.telemetry";
export const AGENT_EVENT_TYPE = "agent.telemetry";

/** The CloudEvents 1.0 attributes every event carries (structured mode, JSON). */
const envelope = {
  specversion: z.literal("1.0").openapi({ description: "CloudEvents version: 1.0" }),
  id: text(256).openapi({ description: "Unique per source: (source, id, time) is deduplicated" }),
  time: Timestamp,
  datacontenttype: z.literal("application/json").optional(),
  subject: z.string().max(256).optional(),
};

/** The agent as the gateway names it (its key, as presented on the request). */
const AgentRef = text(128).openapi({ example: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU" });

export const PaymentAuthorizedEventSchema = z
  .object({
    ...envelope,
    type: z.literal("com.machpay.payment.authorized"),
    source: GatewayId.openapi({ description: "The gateway's id" }),
    data: z.object({
      agent_id: AgentRef,
      amount: Atomic,
      token: Mint.optional(),
      service_id: text(128).nullable().optional(),
      latency_ms: z.number().int().nonnegative().max(2_147_483_647).nullable().optional(),
    }),
  })
  .openapi("PaymentAuthorizedEvent");

export const RequestBlockedEventSchema = z
  .object({
    ...envelope,
    type: z.literal("com.machpay.request.blocked"),
    source: GatewayId,
    data: z.object({
      agent_id: AgentRef.nullable().optional(),
      reason: z
        .string()
        .regex(/^[a-z0-9_.-]{1,64}$/, "expected a snake_case reason such as solvency_check_failed, invalid_signature or replay_detected")
        .openapi({ example: "solvency_check_failed" }),
      current_balance: NullableAtomic.optional(),
      required_amount: NullableAtomic.optional(),
    }),
  })
  .openapi("RequestBlockedEvent");

export const InsolvencyRiskEventSchema = z
  .object({
    ...envelope,
    type: z.literal("com.machpay.agent.insolvency_risk"),
    source: GatewayId,
    data: z.object({ agent_id: AgentRef, remaining_balance: Atomic, burn_rate_1h: Atomic }),
  })
  .openapi("InsolvencyRiskEvent");

export const GatewayEventSchema = z
  .discriminatedUnion("type", [PaymentAuthorizedEventSchema, RequestBlockedEventSchema, InsolvencyRiskEventSchema])
  .openapi("GatewayEvent");
export type GatewayEvent = z.output<typeof GatewayEventSchema>;

/** Per route: request counts by HTTP status ("200": n) and latencies in ms ("latency_p99": ms). */
const RouteStatsSchema = z
  .record(
    z.string().regex(/^(\d{3}|latency_p(50|90|95|99))$/, 'expected an HTTP status ("200") or latency_p50/p90/p95/p99'),
    Measure,
  )
  .openapi({ example: { "200": 1200, "402": 35, "500": 2, latency_p99: 87 } });

/** A gateway's deep packet, every 60 s (its documented raw shape, `source: "gateway"`). */
export const GatewayPacketSchema = z
  .object({
    source: z.literal("gateway"),
    gateway_id: GatewayId,
    period_start: Timestamp,
    period_end: Timestamp,
    config: z
      .object({
        accepted_mint: Mint.optional(),
        price_per_unit: Atomic.optional(),
        version: z.string().max(64).optional(),
        withdrawal_address: Mint.optional().openapi({ description: "Compared with the profile's, never applied" }),
      })
      .nullable()
      .optional(),
    system: z
      .object({ cpu_usage_percent: Measure, ram_usage_mb: Measure, goroutines: Count, gc_pause_ns: Measure, uptime_seconds: Measure })
      .partial()
      .optional(),
    network: z.object({ bytes_in: Count, bytes_out: Count, active_connections: Count }).partial().optional(),
    business: z
      .object({
        total_revenue: Atomic,
        routes: z.record(text(256), RouteStatsSchema).refine((r) => Object.keys(r).length <= 200, "at most 200 routes"),
        solvency_rejects: Count,
        replay_attacks_blocked: Count,
        signature_failures: Count,
      })
      .partial()
      .optional(),
  })
  .openapi("GatewayTelemetryPacket");
export type GatewayPacket = z.output<typeof GatewayPacketSchema>;

/** What an agent SDK measured of one vendor (grouped by the vendor's host). */
const InteractionSchema = z
  .object({
    attempts: Count,
    success: Count,
    failures: Count,
    payment_latency_p50: Measure,
    payment_latency_p99: Measure,
    vendor_latency_p99: Measure,
    errors: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "expected an error kind such as timeout or 402_loop_failed"), Count),
    spend_atomic: Atomic,
  })
  .partial();

export const AgentPacketSchema = z.object({
  agent_id: text(64).openapi({ description: "The agent as the SDK names it (its key); the row is the credential's agent" }),
  period_start: Timestamp,
  period_end: Timestamp,
  wallet: z
    .object({
      sol_balance_lamports: Atomic,
      usdc_balance_atomic: Atomic,
      // A count, a flag, or the warnings themselves: SDKs differ.
      low_balance_warnings: z.union([Count, z.boolean(), z.array(z.string().max(256)).max(100)]),
    })
    .partial()
    .optional(),
  interactions: z
    .record(text(256), InteractionSchema)
    .refine((r) => Object.keys(r).length <= 500, "at most 500 vendors")
    .optional(),
  source: z.literal("sdk").optional(),
  sdk_version: z.string().max(64).optional(),
});

/** The SDK's packet in its CloudEvents envelope (PY-DESIGN). */
export const AgentTelemetryEventSchema = z
  .object({ ...envelope, type: z.literal(AGENT_EVENT_TYPE), source: text(128).openapi({ example: "agent:7xKXtg2C" }), data: AgentPacketSchema })
  .openapi("AgentTelemetryEvent");
export type AgentTelemetryEvent = z.output<typeof AgentTelemetryEventSchema>;

export const IngestAcceptedSchema = z
  .object({
    accepted: z.number().int().openapi({ description: "Events (or packets) queued for writing" }),
    kind: z.enum(["events", "packet", "agent_packets"]),
  })
  .openapi("IngestAccepted");
