import { z } from "@hono/zod-openapi";
import { NetworkTelemetrySchema } from "@/telemetry";

// Public DTOs (lld-backend.md §7.1). No user ids or wallets: these are anyone's to read.

// Examples for the reference (/docs).
const REGION_EXAMPLE = { region: "us-east-1", name: "Virginia", lat: 38.13, lng: -78.45 };
const FRANKFURT = { region: "eu-central-1", name: "Frankfurt", lat: 50.11, lng: 8.68 };
const TICKER_EXAMPLE = {
  id: "tx_4fQ7Zr0kXbN2yTq8WcLm9a",
  amount_atomic: "5000",
  token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  service_id: "openai-gpt4",
  service_type: "inference-llm",
  region: "us-east-1",
  lat: 38.13,
  lng: -78.45,
  latency_ms: 3,
  source: "gateway" as const,
  simulated: false,
  created_at: "2026-12-03T08:00:00.000Z",
};
const STATS_EXAMPLE = {
  volume_24h_atomic: "1250000000",
  tx_count_24h: 250000,
  tps: 2.9,
  avg_latency_ms_24h: 3.2,
  active_agents_24h: 120,
  active_vendors_24h: 35,
  agents_total: 480,
  vendors_total: 90,
  token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  generated_at: "2026-12-03T08:00:00.000Z",
};
const VECTOR_EXAMPLE = { from: REGION_EXAMPLE, to: FRANKFURT, tx_count_24h: 1800, volume_24h_atomic: "9000000" };
const LEADER_EXAMPLE = { rank: 1, name: "Research Agent", volume_atomic: "25000000", simulated: false };

const atomic = (description: string) => z.string().regex(/^\d+$/).openapi({ description, example: "25000000" });

export const RegionSchema = z
  .object({
    region: z.string().openapi({ example: "us-east-1" }),
    name: z.string().openapi({ example: "Virginia" }),
    lat: z.number(),
    lng: z.number(),
  })
  .openapi("DataCenter", { example: REGION_EXAMPLE });

export const TickerItemSchema = z
  .object({
    id: z.string().openapi({ description: "The transaction id", example: "tx_4fQ7Zr0kXbN2yTq8WcLm9a" }),
    amount_atomic: atomic("Amount paid"),
    token_mint: z.string(),
    service_id: z.string().nullable(),
    service_type: z.string().nullable().openapi({ example: "inference-llm" }),
    region: z.string().nullable().openapi({ description: "Data center the payment entered through", example: "us-east-1" }),
    lat: z.number().nullable(),
    lng: z.number().nullable(),
    latency_ms: z.number().int().nullable(),
    source: z.enum(["api", "gateway", "simulation", "x402", "x402_exact"]).openapi({ description: "x402: an x402 batch-settlement payment; x402_exact: an x402 exact payment settled on chain" }),
    simulated: z.boolean(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("TickerItem", { example: TICKER_EXAMPLE });

export const NetworkStatsSchema = z
  .object({
    volume_24h_atomic: atomic("Paid over the last 24 hours"),
    tx_count_24h: z.number().int(),
    tps: z.number().openapi({ description: "Payments per second over the last one to two minutes" }),
    avg_latency_ms_24h: z.number().nullable().openapi({ description: "Mean request-to-commit latency over 24 hours, from the ledger (its payments)" }),
    active_agents_24h: z.number().int().openapi({ description: "Agents that paid in the last 24 hours" }),
    active_vendors_24h: z.number().int(),
    agents_total: z.number().int(),
    vendors_total: z.number().int(),
    token_mint: z.string(),
    generated_at: z.string().openapi({ format: "date-time" }),
    telemetry: NetworkTelemetrySchema.optional(),
  })
  .openapi("NetworkStats", { example: STATS_EXAMPLE });

export const GlobeVectorSchema = z
  .object({
    from: RegionSchema,
    to: RegionSchema,
    tx_count_24h: z.number().int(),
    volume_24h_atomic: atomic("Paid along this flow over 24 hours"),
  })
  .openapi("GlobeVector", { example: VECTOR_EXAMPLE });

export const LeaderboardItemSchema = z
  .object({
    rank: z.number().int().openapi({ example: 1 }),
    name: z.string().openapi({ description: "The agent's profile name", example: "Research Agent" }),
    volume_atomic: atomic("Spent over the period"),
    simulated: z.boolean(),
  })
  .openapi("LeaderboardItem", { example: LEADER_EXAMPLE });

export const DashboardSchema = z
  .object({
    stats: NetworkStatsSchema,
    ticker: z.array(TickerItemSchema),
    vectors: z.array(GlobeVectorSchema),
    leaderboard: z.array(LeaderboardItemSchema),
    regions: z.array(RegionSchema),
  })
  .openapi("DashboardResponse", {
    example: { stats: STATS_EXAMPLE, ticker: [TICKER_EXAMPLE], vectors: [VECTOR_EXAMPLE], leaderboard: [LEADER_EXAMPLE], regions: [REGION_EXAMPLE, FRANKFURT] },
  });

export type TickerItem = z.infer<typeof TickerItemSchema>;
export type NetworkStats = z.infer<typeof NetworkStatsSchema>;
export type GlobeVector = z.infer<typeof GlobeVectorSchema>;
export type LeaderboardItem = z.infer<typeof LeaderboardItemSchema>;
export type Dashboard = z.infer<typeof DashboardSchema>;
