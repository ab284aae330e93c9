import { z } from "@hono/zod-openapi";
import { AMOUNT_MAX, ATOMIC_PATTERN } from "@/core/money";
import { SignatureSchema, WalletAddressSchema } from "@/core/solana";
import { AtomicAmountSchema } from "@/core/number-schemas";

// Request and response shapes of the registry (contract.md "Discovery", lld-backend.md §7.1/§7.4).

export const SERVICE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const ServiceIdSchema = z
  .string()
  .regex(SERVICE_ID_PATTERN, "expected 1-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
  .openapi({ example: "openai-gpt4" });

// An MCP tools/list result (modelcontextprotocol.io, "Tools"). Unknown members are kept: the
// protocol grows (title, outputSchema, annotations...) and agents read the definition as given.
const JsonSchemaValue = z.union([z.boolean(), z.record(z.string(), z.unknown())]);

const InputSchemaSchema = z.looseObject({
  type: z.literal("object", { message: 'expected a JSON Schema with "type": "object" (MCP tool arguments are an object)' }),
  properties: z.record(z.string(), JsonSchemaValue, { message: "expected an object mapping argument names to JSON Schemas" }).optional(),
  required: z.array(z.string(), { message: "expected an array of argument names" }).optional(),
});

export const McpToolSchema = z
  .looseObject({
    name: z.string().min(1).max(128),
    title: z.string().max(200).optional(),
    description: z.string().max(4000).optional(),
    inputSchema: InputSchemaSchema,
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("McpTool");

const MAX_TOOL_DEF_BYTES = 100_000;

export const McpToolsListSchema = z
  .looseObject({
    tools: z.array(McpToolSchema).max(256),
  })
  .superRefine((def, ctx) => {
    const seen = new Set<string>();
    // Defensive: refinements can run on values whose own checks failed.
    (Array.isArray(def.tools) ? def.tools : []).forEach((tool, i) => {
      const name: unknown = (tool as { name?: unknown } | null)?.name;
      if (typeof name !== "string") return;
      if (seen.has(name)) ctx.addIssue({ code: "custom", path: ["tools", i, "name"], message: `duplicate tool name "${name}"` });
      seen.add(name);
    });
    if (JSON.stringify(def).length > MAX_TOOL_DEF_BYTES) ctx.addIssue({ code: "custom", message: `larger than ${MAX_TOOL_DEF_BYTES} bytes` });
  })
  .openapi("McpToolsList", { description: "An MCP tools/list result: {tools: [{name, description?, inputSchema}]}" });

export type McpToolsList = z.infer<typeof McpToolsListSchema>;

// Lower-case scheme as services.gateway_url's CHECK wants it; the URL is otherwise stored as given.
const isHttpUrl = (s: string) => /^https?:\/\/[^\s/?#]+/.test(s) && URL.canParse(s);

const endpointFields = {
  name: z.string().trim().min(1).max(200).openapi({ example: "GPT-4 Turbo" }),
  description: z.string().max(4000).openapi({ example: "High intelligence model for chat, reasoning and code" }),
  gateway_url: z
    .string()
    .max(2048)
    .refine(isHttpUrl, "expected an absolute http:// or https:// URL")
    .openapi({ example: "https://gateway.example.com", description: "Stored exactly as given" }),
  gateway_pubkey: WalletAddressSchema.optional().openapi({ description: "The gateway's Ed25519 key (base58)" }),
  price_atomic: AtomicAmountSchema.optional().openapi({ description: "Price per call in atomic units of token_mint; or give min_price" }),
  min_price: z
    .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(ATOMIC_PATTERN, "expected atomic units as digits")])
    .optional()
    .openapi({ description: "The gateway's name for price_atomic (lld-backend.md §7.4), in atomic units", example: 5000 }),
  token_mint: WalletAddressSchema.optional().openapi({ description: "Defaults to USDC" }),
  service_type: z.string().trim().min(1).max(50).openapi({ example: "inference-llm" }),
  mcp_tool_def: McpToolsListSchema.optional(),
  tx_signature: SignatureSchema.optional().openapi({ description: "Proof of the on-chain PDA creation; checked with pda_address" }),
  pda_address: WalletAddressSchema.optional().openapi({ description: "The vendor's endpoint PDA; checked with tx_signature" }),
};

// Refinements also run on values whose own checks failed ("1.5"): conversion must not throw.
function bigintOrUndefined(v: string | number): bigint | undefined {
  try {
    return BigInt(v);
  } catch {
    return undefined;
  }
}

/** "price_atomic | min_price": exactly one; the chain proof comes as a pair. */
function refineEndpoint(body: { price_atomic?: string | undefined; min_price?: number | string | undefined; tx_signature?: string | undefined; pda_address?: string | undefined }, ctx: z.RefinementCtx) {
  if ((body.price_atomic === undefined) === (body.min_price === undefined)) {
    ctx.addIssue({ code: "custom", path: ["price_atomic"], message: "give exactly one of price_atomic or min_price" });
  } else if (body.min_price !== undefined && (bigintOrUndefined(body.min_price) ?? 0n) > AMOUNT_MAX) {
    // Within int8, as every amount the ledger handles (price_atomic's own schema checks it).
    ctx.addIssue({ code: "custom", path: ["min_price"], message: `at most ${AMOUNT_MAX}` });
  }
  if ((body.tx_signature === undefined) !== (body.pda_address === undefined)) {
    ctx.addIssue({ code: "custom", path: [body.tx_signature === undefined ? "tx_signature" : "pda_address"], message: "tx_signature and pda_address are checked together: give both or neither" });
  }
}

// A vendor registering the example service (/docs): its gateway, its price per call, its kind.
const ENDPOINT_REQUEST_EXAMPLE = {
  id: "openai-gpt4",
  name: "GPT-4 chat completions",
  description: "OpenAI-compatible chat completions, billed per call",
  service_type: "llm",
  gateway_url: "https://gateway.vendor.example/v1",
  price_atomic: "5000",
};

export const RegisterEndpointSchema = z
  .object({
    id: ServiceIdSchema.optional().openapi({ description: "The public service id; generated from the name when absent" }),
    ...endpointFields,
  })
  .superRefine(refineEndpoint)
  .openapi("RegisterEndpointRequest", { example: ENDPOINT_REQUEST_EXAMPLE });

export const UpdateEndpointSchema = z
  .object({
    ...endpointFields,
    is_active: z.boolean().optional().openapi({ description: "Unchanged when absent" }),
  })
  .superRefine(refineEndpoint)
  .openapi("UpdateEndpointRequest", { example: { name: ENDPOINT_REQUEST_EXAMPLE.name, description: ENDPOINT_REQUEST_EXAMPLE.description, service_type: "llm", gateway_url: ENDPOINT_REQUEST_EXAMPLE.gateway_url, price_atomic: "4000", is_active: true } });

export type RegisterEndpointBody = z.infer<typeof RegisterEndpointSchema>;
export type UpdateEndpointBody = z.infer<typeof UpdateEndpointSchema>;

// The reference's example service (/docs): one call of a chat model for 0.005 USDC.
const SERVICE_EXAMPLE = {
  id: "openai-gpt4",
  vendor_id: "42",
  name: "GPT-4 chat completions",
  description: "OpenAI-compatible chat completions, billed per call",
  service_type: "llm",
  gateway_url: "https://gateway.vendor.example/v1",
  gateway_pubkey: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
  price_atomic: "5000",
  token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  mcp_tool_def: null,
};

export const ServiceSchema = z
  .object({
    id: z.string().openapi({ example: "openai-gpt4" }),
    vendor_id: z.string().openapi({ description: "The vendor's user id: payments may name it instead of the service" }),
    name: z.string(),
    description: z.string(),
    service_type: z.string(),
    gateway_url: z.string(),
    gateway_pubkey: z.string().nullable(),
    price_atomic: z.string().openapi({ example: "5000", description: "Per call, in atomic units of token_mint" }),
    token_mint: z.string(),
    // A union, not .nullable(): zod-openapi renders that of a named schema as a reference that refuses null.
    mcp_tool_def: z.union([McpToolsListSchema, z.null()]),
  })
  .openapi("ServiceDTO", { example: SERVICE_EXAMPLE });

export const ServiceSearchResultSchema = ServiceSchema.extend({
  score: z.number().openapi({ description: "Relevance in [0, 1]: 1 is first in both the semantic and the full-text ranking" }),
}).openapi("ServiceSearchResult", { example: { ...SERVICE_EXAMPLE, score: 0.92 } });

export const VendorEndpointSchema = ServiceSchema.extend({
  is_active: z.boolean(),
  pda_address: z.string().nullable(),
  tx_signature: z.string().nullable(),
  index_status: z.enum(["pending", "indexed"]).openapi({ description: "pending until the semantic index has the current text" }),
  created_at: z.string().openapi({ format: "date-time" }),
  updated_at: z.string().openapi({ format: "date-time" }),
}).openapi("VendorEndpoint", {
  example: {
    ...SERVICE_EXAMPLE,
    is_active: true,
    pda_address: null,
    tx_signature: null,
    index_status: "indexed",
    created_at: "2026-12-03T08:00:00.000Z",
    updated_at: "2026-12-03T08:00:00.000Z",
  },
});

export const VendorEndpointListSchema = z
  .object({ data: z.array(VendorEndpointSchema), next_cursor: z.string().nullable() })
  .openapi("VendorEndpointList");

export type ServiceDTO = z.infer<typeof ServiceSchema>;
export type VendorEndpointDTO = z.infer<typeof VendorEndpointSchema>;
