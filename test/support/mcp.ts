import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { indexPending, registryRuntime } from "@/registry";
import type { TestApp } from "./app";
import { createUser, type TestUser } from "./fixtures";
import { createKey, fund, post } from "./ledger";

// MCP clients nobody here wrote (the SDK's own Client over its Streamable HTTP transport) against
// the real app, and the agents and marketplace they act on.

/** A bearer token, or an Authorization header made per request (a device signature covers its method and path). */
export type McpCredential = string | ((method: string, url: string) => Promise<string>);

export async function connectMcp(t: TestApp, credential?: McpCredential, baseUrl = t.url): Promise<Client> {
  const client = new Client({ name: "machpay-test", version: "1.0.0" });
  const authorized: FetchLike = async (url, init) => {
    const headers = new Headers(init?.headers);
    if (credential !== undefined) headers.set("authorization", typeof credential === "string" ? `Bearer ${credential}` : await credential(init?.method ?? "GET", String(url)));
    return fetch(url, { ...init, headers });
  };
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", baseUrl), { fetch: authorized }));
  return client;
}

/** A tool's refusal: its envelope, from the JSON text block. */
export function refusalOf(result: CallToolResult): { code: string; message: string; details?: Record<string, unknown>; request_id: string } {
  if (result.isError !== true) throw new Error(`not a refusal: ${JSON.stringify(result).slice(0, 300)}`);
  const block = result.content.find((c) => c.type === "text" && c.text.startsWith('{"error"'));
  if (!block || block.type !== "text") throw new Error(`no envelope in ${JSON.stringify(result.content).slice(0, 300)}`);
  return (JSON.parse(block.text) as { error: ReturnType<typeof refusalOf> }).error;
}

export const SERVICES = [
  { id: "llm-standard", name: "Standard LLM", description: "Large language model for chat, reasoning and summarization.", service_type: "inference-llm", price_atomic: "9000" },
  { id: "llm-budget", name: "Budget LLM", description: "Small large language model for short answers and classification.", service_type: "inference-llm", price_atomic: "800" },
  { id: "weather-pro", name: "Weather Pro", description: "Hyperlocal weather forecasts and radar for any city.", service_type: "weather", price_atomic: "4000" },
  { id: "tts-voice", name: "Voice Studio", description: "Text to speech with natural voices.", service_type: "text-to-speech", price_atomic: "6000" },
];

/** A vendor with the services above, registered through REST and indexed for search. */
export async function marketplace(t: TestApp): Promise<TestUser> {
  const vendor = await createUser(t, { profile: "vendor" });
  for (const s of SERVICES) {
    const tools = { tools: [{ name: `${s.id.split("-")[0]}_call`, description: `Call ${s.name}`, inputSchema: { type: "object", properties: { input: { type: "string" } }, required: ["input"] } }] };
    const r = await post(t, "/v1/vendor/endpoints", vendor.token, { ...s, gateway_url: `https://${s.id}.gateway.example/`, mcp_tool_def: tools });
    if (r.status !== 201) throw new Error(`marketplace: ${s.id}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const ctx = { sql: t.sql, clock: t.deps.clock, log: t.logger, embedder: registryRuntime(t.deps).embedder };
  while ((await indexPending(ctx)).claimed > 0);
  return vendor;
}

export interface TestAgent extends TestUser {
  /** An agent API key with read and write. */
  key: string;
  readKey: string;
}

/** An agent with funds (atomic units) and two API keys: read+write and read-only. */
export async function fundedAgent(t: TestApp, amount = 10_000_000n): Promise<TestAgent> {
  const agent = await createUser(t, { profile: "agent" });
  if (amount > 0n) await fund(t, agent.id, amount);
  return { ...agent, key: await createKey(t, agent.token, "agent"), readKey: await createKey(t, agent.token, "agent", ["read"]) };
}
