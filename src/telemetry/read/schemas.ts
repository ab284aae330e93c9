import { z } from "@hono/zod-openapi";

// What the dashboards show of telemetry (payouts' vendor stats, public's network stats). Each
// block says where its figures come from: what gateways reported about themselves, not what the
// ledger recorded. They are self-reported, so they sit beside the ledger's figures, never instead.

export const TELEMETRY_SOURCE = "gateway telemetry" as const;

const source = z.literal(TELEMETRY_SOURCE).openapi({
  description: "These figures are what gateways reported to the receiver (CloudEvents batches and 60 s deep packets), rolled up hourly; the ledger's own figures are the other fields",
});
const ratio = (description: string) => z.number().min(0).max(1).nullable().openapi({ description, example: 0.0125 });
const count = (description: string) => z.number().int().min(0).openapi({ description });

export const TelemetryLatencySchema = z
  .object({
    p50: z.number().nullable().openapi({ description: "Median in ms, to the resolution of the rollups' fixed histogram buckets" }),
    p99: z.number().nullable().openapi({ description: "99th percentile in ms, to the resolution of the rollups' fixed histogram buckets" }),
  })
  .openapi("TelemetryLatency");

export const RouteTelemetrySchema = z
  .object({
    route: z.string().openapi({ description: "The route as the gateway names it ((other) for names that are not a path)", example: "/v1/chat/completions" }),
    requests: count("Requests the deep packets counted on this route"),
    errors_5xx: count("Of which answered with a 5xx status"),
    payment_required_402: count("Of which answered 402 Payment Required"),
    error_rate: ratio("errors_5xx / requests; null without requests"),
    latency_ms: TelemetryLatencySchema.openapi({
      description: "Latency the gateways measured on this route: each packet's latency_p99 (and latency_p50, when sent) for its 60 s, weighted by the period's requests",
    }),
  })
  .openapi("RouteTelemetry");

const windowFields = {
  source,
  window_hours: z.number().int().openapi({ description: "The figures cover the current hour and the 23 before it (UTC hours)", example: 24 }),
  from: z.string().openapi({ format: "date-time", description: "Start of the first hour counted" }),
  as_of: z.string().openapi({ format: "date-time", description: "When the rollup last ran: the figures include what had arrived by then" }),
};

const traffic = {
  requests: count("Requests the gateways served, from the deep packets' per-route status counts"),
  errors_5xx: count("Of which answered with a 5xx status"),
  error_rate: ratio("errors_5xx / requests (deep packets); null without requests"),
  payments_authorized: count("com.machpay.payment.authorized events: payments the gateways accepted"),
  requests_blocked: count("com.machpay.request.blocked events: requests the gateways refused (solvency, signature, replay)"),
  block_rate: ratio("requests_blocked / (payments_authorized + requests_blocked); null without either"),
  latency_ms: TelemetryLatencySchema.openapi({ description: "latency_ms of the payment.authorized events: how long the gateways took per paid request" }),
  uptime_ratio: ratio(
    "Share of the time since each gateway first reported in the window (at most 24 h) that its 60 s packets cover, to within a packet period; null before any packet",
  ),
};

export const GatewayHealthSchema = z
  .object({
    gateway_id: z.string().openapi({ example: "gateway-01" }),
    last_packet_at: z.string().nullable().openapi({ format: "date-time", description: "Its latest deep packet (over the last 7 days)" }),
    process_uptime_seconds: z.number().int().nullable().openapi({ description: "system.uptime_seconds of its latest packet: how long its process has run" }),
    uptime_ratio: ratio("Share of the window since it first reported that its packets cover; 0 when silent all window"),
  })
  .openapi("GatewayHealth");

export const VendorTelemetrySchema = z
  .object({
    ...windowFields,
    ...traffic,
    authorized_atomic: z.string().regex(/^\d+$/).openapi({ description: "Sum of the payment.authorized amounts (gateways' view; the ledger's revenue is revenue_atomic)", example: "25000000" }),
    blocked_by_reason: z.record(z.string(), z.number().int()).openapi({ description: "requests_blocked by the gateway's reason", example: { solvency_check_failed: 3 } }),
    gateways: z.array(GatewayHealthSchema).openapi({ description: "The vendor's gateways that reported in the last 7 days" }),
    routes: z.array(RouteTelemetrySchema).openapi({ description: "Up to 50 routes, most requested first" }),
  })
  .openapi("VendorTelemetry", {
    description:
      "What the vendor's gateways reported over the last 24 hours (gateway telemetry, rolled up hourly): latency per route, error and block rates, uptime. Absent from the vendor's stats when none of its gateways reported in the last 7 days.",
  });

export const NetworkTelemetrySchema = z
  .object({
    ...windowFields,
    ...traffic,
    gateways: count("Gateways that sent a deep packet in the window"),
    routes: z.array(RouteTelemetrySchema).openapi({ description: "The network's 10 most requested routes, summed over gateways" }),
  })
  .openapi("NetworkTelemetry", {
    description:
      "What all gateways reported over the last 24 hours (gateway telemetry, rolled up hourly): latency, error and block rates, uptime, top routes. Absent from the network stats when no gateway reported.",
  });

export type TelemetryLatency = z.infer<typeof TelemetryLatencySchema>;
export type RouteTelemetry = z.infer<typeof RouteTelemetrySchema>;
export type GatewayHealth = z.infer<typeof GatewayHealthSchema>;
export type VendorTelemetry = z.infer<typeof VendorTelemetrySchema>;
export type NetworkTelemetry = z.infer<typeof NetworkTelemetrySchema>;
