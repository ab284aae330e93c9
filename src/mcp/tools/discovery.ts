import { z } from "zod";
import { getNetworkStats } from "@/public";
import { resolveServiceDTO, searchMarketplace, ServiceIdSchema } from "@/registry";
import { oneLine, rankingOf, renderService, serviceDetail, ServiceDetailSchema, serviceHits, ServiceHitSchema } from "../service-view";
import { atomicToUsdc, UsdcAmountSchema, usdcToAtomic } from "../usdc";
import { defineTool } from "./define";

// Discovery: no credentials needed. The same verbs as GET /v1/services/search, /v1/services/{id}
// and /v1/network/stats, reading from the same pools (search and stats may lag: the replica's).

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const searchServicesTool = defineTool({
  name: "search_services",
  title: "Search the MachPay marketplace",
  description:
    "Find paid services (APIs, models, data) an agent can call and pay for per call through MachPay. Describe the need in plain words; " +
    'results come best first, ranked by meaning and by words, each with its price per call, gateway URL and why it matched. Price words in the query are understood ("cheap", "cheapest", "free", "under 0.01 USDC"). ' +
    "Next: get_service for a result's tool definitions, then pay with its id. No credentials needed.",
  input: z.strictObject({
    query: z.string().trim().min(1).max(500).describe('What you need, in plain words, e.g. "summarise a long PDF" or "cheap weather forecast"'),
    service_type: z.string().trim().min(1).max(50).optional().describe("Only services of this kind, e.g. inference-llm, weather, search"),
    max_price_usdc: UsdcAmountSchema.optional().describe('The most you would pay per call, in USDC as a decimal string, e.g. "0.01"'),
    limit: z.number().int().min(1).max(50).default(10).describe("How many results at most (1-50, default 10)"),
  }),
  output: z.object({
    services: z.array(ServiceHitSchema).describe("Best first"),
    max_price_atomic: z.string().nullable().describe("The price ceiling applied (your max_price_usdc, or a lower one your words named), in atomic units; null: none"),
    ranking: z.string().describe("The order of the results"),
  }),
  access: "public",
  annotations: { title: "Search the MachPay marketplace", ...readOnly },
  async run(call, args) {
    const maxPriceAtomic = args.max_price_usdc === undefined ? undefined : usdcToAtomic(call, args.max_price_usdc, "max_price_usdc");
    const found = await searchMarketplace(call.deps, call.mayLagCtx(), { q: args.query, limit: args.limit, maxPriceAtomic, serviceType: args.service_type });
    const services = serviceHits(call, found);
    const ceiling = found.maxPriceAtomic === undefined ? null : found.maxPriceAtomic.toString();
    const text =
      services.length === 0
        ? `No active service matches "${args.query}"${ceiling === null ? "" : ` at ${atomicToUsdc(call, ceiling)} USDC or less`}. Try other words, or drop the filters.`
        : `${services.length} service${services.length === 1 ? "" : "s"} for "${args.query}", ${rankingOf(found)}:\n${services.map((s, i) => renderService(s, i + 1)).join("\n")}\n` +
          "Pay one with pay {to: <id>, amount_usdc: <its price>}; get_service gives its tool definitions.";
    return { data: { services, max_price_atomic: ceiling, ranking: rankingOf(found) }, text };
  },
});

export const getServiceTool = defineTool({
  name: "get_service",
  title: "Resolve a MachPay service",
  description:
    "Resolve a marketplace service id (from search_services) to everything needed to use and pay for it: its gateway URL and public key, " +
    "its price per call and token mint, and the vendor's MCP tool definitions. No credentials needed.",
  input: z.strictObject({
    service_id: ServiceIdSchema.describe('The service id, e.g. "openai-gpt4"'),
  }),
  output: ServiceDetailSchema,
  access: "public",
  annotations: { title: "Resolve a MachPay service", ...readOnly },
  async run(call, args) {
    const service = serviceDetail(call, await resolveServiceDTO(call.ctx, args.service_id));
    call.note({ service_id: service.id });
    const tools = service.tools.map((t) => `   - ${t.name}${t.description ? `: ${oneLine(t.description, 200)}` : ""}`);
    const text = `${renderService(service)}\n   vendor: ${service.vendor_id}, mint ${service.token_mint}${tools.length > 0 ? `\n   tool definitions:\n${tools.join("\n")}` : ""}\n` +
      `To pay for a call: pay {to: "${service.id}", amount_atomic: "${service.price_atomic}"}.`;
    return { data: service, text };
  },
});

export const networkStatsTool = defineTool({
  name: "network_stats",
  title: "MachPay network statistics",
  description: "The MachPay network's last 24 hours: payments, volume in USDC, payments per second, mean latency, active agents and vendors. No credentials needed.",
  input: z.strictObject({}),
  output: z.object({
    volume_24h_atomic: z.string().describe("Paid over the last 24 hours, in atomic units"),
    volume_24h_usdc: z.string().describe("The same, in USDC"),
    tx_count_24h: z.number().int(),
    tps: z.number().describe("Payments per second over the last one to two minutes"),
    avg_latency_ms_24h: z.number().nullable().describe("Mean request-to-commit latency over 24 hours"),
    active_agents_24h: z.number().int(),
    active_vendors_24h: z.number().int(),
    agents_total: z.number().int(),
    vendors_total: z.number().int(),
    token_mint: z.string(),
    generated_at: z.string(),
  }),
  access: "public",
  annotations: { title: "MachPay network statistics", ...readOnly },
  async run(call) {
    const stats = await getNetworkStats({ ...call.mayLagCtx(), tokenMint: call.deps.config.USDC_MINT });
    const data = { ...stats, volume_24h_usdc: atomicToUsdc(call, stats.volume_24h_atomic) };
    const text =
      `Last 24 hours: ${data.tx_count_24h} payments, ${data.volume_24h_usdc} USDC, ${data.tps} payments/s now, ` +
      `mean latency ${data.avg_latency_ms_24h ?? "n/a"} ms; ${data.active_agents_24h} active agents and ${data.active_vendors_24h} active vendors ` +
      `(${data.agents_total} agents, ${data.vendors_total} vendors in all).`;
    return { data, text };
  },
});
