import { z } from "zod";
import { McpToolSchema, type MarketplaceHit, type MarketplaceSearch, type ServiceDTO } from "@/registry";
import type { McpCall } from "./call";
import { atomicToUsdc } from "./usdc";

// A marketplace service as the MCP tools and resources show it: the registry's DTO, prices also in
// USDC, the vendor's own MCP tool definitions, and the resource that documents it. One view for
// search_services, get_service and machpay://services/{id}, so they never disagree.

export const SERVICE_URI_TEMPLATE = "machpay://services/{id}";
// Service ids are mostly URI-safe already (the registry's ids are slugs): only others are encoded.
const URI_SAFE = /^[A-Za-z0-9._~-]*$/;
export const serviceUri = (id: string) => `machpay://services/${URI_SAFE.test(id) ? id : encodeURIComponent(id)}`;

const serviceFields = {
  id: z.string().describe("The service id: what pay's `to` and get_service's `service_id` take"),
  name: z.string(),
  description: z.string(),
  service_type: z.string().describe("Its kind, e.g. inference-llm, weather, search"),
  price_atomic: z.string().describe("Price per call in atomic units of token_mint (USDC: 1 USDC = 1000000)"),
  price_usdc: z.string().describe("The same price in USDC, exactly"),
  token_mint: z.string().describe("The mint the price is in (USDC)"),
  gateway_url: z.string().describe("Where the vendor's gateway serves the service"),
  gateway_pubkey: z.string().nullable().describe("The gateway's Ed25519 key (base58), when it registered one"),
  resource_uri: z.string().describe("The MCP resource documenting the service: its tools and how to pay"),
};

export const ServiceHitSchema = z.object({
  ...serviceFields,
  score: z.number().describe("Relevance in [0, 1]: 1 is first by both meaning and words"),
  why: z.string().describe("Why it matched: its rank by meaning and by words, and the price rule it met"),
  tool_names: z.array(z.string()).describe("Names of the vendor's MCP tools (get_service gives their definitions)"),
});

export const ServiceDetailSchema = z.object({
  ...serviceFields,
  vendor_id: z.string().describe("The vendor's user id (pay may name it instead of the service)"),
  tools: z.array(McpToolSchema).describe("The vendor's MCP tool definitions (tools/list of its gateway), as it registered them"),
});

export type ServiceHit = z.output<typeof ServiceHitSchema>;
export type ServiceDetail = z.output<typeof ServiceDetailSchema>;

const common = (call: McpCall, s: ServiceDTO) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  service_type: s.service_type,
  price_atomic: s.price_atomic,
  price_usdc: atomicToUsdc(call, s.price_atomic),
  token_mint: s.token_mint,
  gateway_url: s.gateway_url,
  gateway_pubkey: s.gateway_pubkey,
  resource_uri: serviceUri(s.id),
});

export const serviceDetail = (call: McpCall, s: ServiceDTO): ServiceDetail => ({ ...common(call, s), vendor_id: s.vendor_id, tools: s.mcp_tool_def?.tools ?? [] });

function whyItMatched(hit: MarketplaceHit, priceUsdc: string, ceilingUsdc: string | undefined): string {
  const meaning = hit.semantic_rank === null ? "" : `meaning #${hit.semantic_rank}`;
  const words = hit.text_rank === null ? "" : `words #${hit.text_rank}`;
  const ranks = meaning && words ? `${meaning} and ${words}` : meaning || words;
  const matched = ranks ? `matches by ${ranks}` : "no words to match: cheapest first";
  return `${matched}; ${priceUsdc} USDC per call${ceilingUsdc === undefined ? "" : `, within the ${ceilingUsdc} USDC ceiling`}`;
}

/** The order the results come in, as the query's price words decided it. */
export function rankingOf(search: MarketplaceSearch): string {
  if (search.cheapness === "cheapest") return "the most relevant services cheapest first, then the rest by relevance";
  if (search.cheapness === "cheap") return "by relevance, cheaper services moved up among the most relevant";
  return "by relevance (meaning and words)";
}

/** Every hit of one search; the ceiling, in USDC, is written once for all of them. */
export function serviceHits(call: McpCall, search: MarketplaceSearch): ServiceHit[] {
  const ceiling = search.maxPriceAtomic === undefined ? undefined : atomicToUsdc(call, search.maxPriceAtomic);
  return search.hits.map((hit) => {
    const shown = common(call, hit);
    return { ...shown, score: hit.score, why: whyItMatched(hit, shown.price_usdc, ceiling), tool_names: hit.mcp_tool_def?.tools.map((t) => t.name) ?? [] };
  });
}

/** Whitespace other than single spaces: what oneLine must rewrite (most descriptions have none). */
const UNEVEN_SPACE = /[^\S ]| {2}/;

/** The first `max` characters on one line: cut first, so a long description is not scanned whole. */
export function oneLine(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max + 1) : text;
  const line = UNEVEN_SPACE.test(cut) ? cut.replace(/\s+/g, " ") : cut;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A service in a few lines: what a model needs to choose it and pay for it. */
export function renderService(s: ServiceDetail | ServiceHit, index?: number): string {
  let text =
    `${index === undefined ? "" : `${index}. `}${s.name} (id: ${s.id}, ${s.service_type}): ${s.price_usdc} USDC per call\n` +
    `   ${oneLine(s.description, 240)}\n   gateway: ${s.gateway_url}${s.gateway_pubkey ? ` (key ${s.gateway_pubkey})` : ""}`;
  if ("why" in s) text += `\n   why: ${s.why} (score ${s.score})`;
  const tools = "tools" in s ? s.tools.map((t) => t.name) : s.tool_names;
  if (tools.length > 0) text += `\n   tools: ${tools.join(", ")}`;
  return text;
}
