import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { LATEST_PROTOCOL_VERSION, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";
import { connectMcp, marketplace, refusalOf, SERVICES } from "../support/mcp";

// The marketplace over MCP (Streamable HTTP), with the SDK's own Client: the handshake, the
// lists, and the discovery tools, resources and prompts, which need no credentials and answer as
// their REST twins do.

let t: TestApp;
let client: Client;

beforeAll(async () => {
  t = await startTestApp();
  await marketplace(t);
  client = await connectMcp(t);
});
afterAll(async () => {
  await client.close();
  await t.close();
});

const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
const structured = async (name: string, args: Record<string, unknown> = {}) => {
  const result = await call(name, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as any;
};

describe("initialize", () => {
  test("negotiates the SDK's latest protocol version and names the server, its capabilities and instructions", () => {
    expect(client.getServerVersion()).toMatchObject({ name: "machpay", title: "MachPay" });
    const capabilities = client.getServerCapabilities();
    expect(Object.keys(capabilities ?? {}).sort()).toEqual(["prompts", "resources", "tools"]);
    expect(client.getInstructions()).toContain("search_services");
  });

  test("a raw initialize answers JSON with the protocol version and no Mcp-Session-Id: no session is kept", async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(res.headers.get("x-request-id")).toStartWith("req_");
    const body = await json(res);
    expect(body.result.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
  });
});

describe("lists", () => {
  test("tools/list: the eight tools, each with a description, an input schema and an output schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["search_services", "get_service", "network_stats", "get_balance", "list_transactions", "get_limits", "deposit_address", "pay"]);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.annotations?.title).toBeTruthy();
    }
    const pay = tools.find((tool) => tool.name === "pay")!;
    expect(pay.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(Object.keys(pay.inputSchema.properties!).sort()).toEqual(["amount_atomic", "amount_usdc", "idempotency_key", "reference", "to"]);
    expect(pay.inputSchema.required).toEqual(["to"]);
    // Unknown arguments are refused, not dropped: a model's typo does not pass silently.
    expect(pay.inputSchema.additionalProperties).toBe(false);
    expect(tools.filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name)).not.toContain("pay");
  });

  test("resources: one per active service, a template, and both read back the service", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(SERVICES.map((s) => `machpay://services/${s.id}`).sort());
    expect(resources.every((r) => r.name && r.description && r.mimeType === "text/markdown")).toBe(true);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([expect.objectContaining({ name: "service", uriTemplate: "machpay://services/{id}" })]);

    const read = await client.readResource({ uri: "machpay://services/weather-pro" });
    const [doc, data] = read.contents as { uri: string; mimeType: string; text: string }[];
    expect(doc!.mimeType).toBe("text/markdown");
    expect(doc!.text).toContain("# Weather Pro");
    expect(doc!.text).toContain("0.004 USDC per call");
    expect(doc!.text).toContain("### weather_call");
    expect(data!.mimeType).toBe("application/json");
    expect(JSON.parse(data!.text)).toMatchObject({ id: "weather-pro", price_atomic: "4000", price_usdc: "0.004", tools: [{ name: "weather_call" }] });
  });

  test("reading a service that does not exist is a protocol error -32002 with our code; a malformed id -32602", async () => {
    const missing = await client.readResource({ uri: "machpay://services/no-such-service" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(McpError);
    expect((missing as McpError).code).toBe(-32002);
    expect((missing as McpError).data).toMatchObject({ code: "service_not_found", request_id: expect.stringMatching(/^req_/) });
    const malformed = await client.readResource({ uri: "machpay://services/NOT%20AN%20ID" }).catch((e: unknown) => e);
    expect((malformed as McpError).code).toBe(-32602);
  });

  test("prompts: find_and_pay and pay_for_service, the latter carrying the service's resource", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["find_and_pay", "pay_for_service"]);
    expect(prompts.every((p) => p.description)).toBe(true);
    const find = await client.getPrompt({ name: "find_and_pay", arguments: { task: "forecast rain in Lisbon", budget_usdc: "0.01" } });
    expect(JSON.stringify(find.messages)).toContain('max_price_usdc \\"0.01\\"');
    const pay = await client.getPrompt({ name: "pay_for_service", arguments: { service_id: "tts-voice" } });
    expect(pay.messages[0]!.content).toMatchObject({ type: "resource", resource: { uri: "machpay://services/tts-voice" } });
    expect(JSON.stringify(pay.messages[1])).toContain("idempotency_key");
    const unknown = await client.getPrompt({ name: "pay_for_service", arguments: { service_id: "nope" } }).catch((e: unknown) => e);
    expect((unknown as McpError).code).toBe(-32002);
  });
});

describe("discovery tools (no credentials)", () => {
  test("search_services: the services REST search finds, in the same order, with price, gateway, mint and why", async () => {
    const rest = (await json(await fetch(`${t.url}/v1/services/search?q=${encodeURIComponent("language model for summarization")}`))) as { id: string }[];
    const result = await call("search_services", { query: "language model for summarization" });
    const found = result.structuredContent as any;
    expect(found.services.map((s: { id: string }) => s.id)).toEqual(rest.map((s) => s.id));
    const first = found.services[0];
    expect(first).toMatchObject({ id: "llm-standard", price_atomic: "9000", price_usdc: "0.009", gateway_url: "https://llm-standard.gateway.example/", token_mint: t.config.USDC_MINT, tool_names: ["llm_call"], resource_uri: "machpay://services/llm-standard" });
    expect(first.why).toMatch(/matches by (meaning #\d+|words #\d+)/);
    expect((result.content[0] as { text: string }).text).toContain("Standard LLM (id: llm-standard");
  });

  test("search_services filters: max_price_usdc is a ceiling in USDC, service_type a kind; price words are understood", async () => {
    const cheap = await structured("search_services", { query: "language model", max_price_usdc: "0.001" });
    expect(cheap.services.map((s: { id: string }) => s.id)).toEqual(["llm-budget"]);
    expect(cheap.max_price_atomic).toBe("1000");
    const weather = await structured("search_services", { query: "forecast", service_type: "weather" });
    expect(weather.services.map((s: { id: string }) => s.id)).toEqual(["weather-pro"]);
    const words = await structured("search_services", { query: "language model under 0.005 USDC" });
    expect(words.services[0].id).toBe("llm-budget");
    expect(words.services.every((s: { price_atomic: string }) => BigInt(s.price_atomic) <= 4999n)).toBe(true);
    expect(words.max_price_atomic).toBe("4999");
    const none = await call("search_services", { query: "submarine sonar", service_type: "weather", limit: 1 });
    expect(none.isError).toBeFalsy();
  });

  test("get_service resolves an id as GET /v1/services/{id} does, with the vendor's tool definitions", async () => {
    const rest = await json(await fetch(`${t.url}/v1/services/tts-voice`));
    const service = await structured("get_service", { service_id: "tts-voice" });
    expect(service).toMatchObject({ id: rest.id, vendor_id: rest.vendor_id, gateway_url: rest.gateway_url, price_atomic: rest.price_atomic, token_mint: rest.token_mint });
    expect(service.tools).toEqual(rest.mcp_tool_def.tools);
  });

  test("get_service of an unknown id: a tool error with REST's code and this request's id", async () => {
    const refused = refusalOf(await call("get_service", { service_id: "no-such-service" }));
    expect(refused.code).toBe("service_not_found");
    expect(refused.request_id).toMatch(/^req_/);
    // The request's one log line names the tool and the outcome, under the id the envelope carries.
    const line = t.logs.find((l) => l.request_id === refused.request_id && l.msg === "request");
    expect(line).toMatchObject({ path: "/mcp", status: 200, mcp: [{ method: "tools/call", tool: "get_service", outcome: "service_not_found" }] });
  });

  test("network_stats answers as GET /v1/network/stats, with the volume in USDC too", async () => {
    const stats = await structured("network_stats");
    expect(stats).toMatchObject({ tx_count_24h: expect.any(Number), volume_24h_atomic: expect.stringMatching(/^\d+$/), volume_24h_usdc: expect.any(String), token_mint: t.config.USDC_MINT });
  });

  test("search, listings and network stats read where their REST twins read: the pool whose reads may lag (a replica's)", async () => {
    const reads = t.deps.reads;
    const primary = reads.sql.bind(reads);
    let asked = 0;
    reads.sql = () => (asked++, primary());
    try {
      await structured("search_services", { query: "weather" });
      await structured("network_stats");
      await client.listResources();
      expect(asked).toBe(3);
      // A lookup by id reads the primary, as GET /v1/services/{id} does.
      await structured("get_service", { service_id: "weather-pro" });
      expect(asked).toBe(3);
    } finally {
      reads.sql = primary;
    }
  });

  test("an invalid credential does not stop discovery (as on REST's public routes)", async () => {
    const stranger = await connectMcp(t, "mp_sk_live_" + "x".repeat(32));
    try {
      const found = await stranger.callTool({ name: "search_services", arguments: { query: "weather" } });
      expect(found.isError).toBeFalsy();
    } finally {
      await stranger.close();
    }
  });
});
