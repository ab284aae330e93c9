import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import pkg from "../../package.json";
import { callOf } from "./call";
import { registerPrompts } from "./prompts";
import { registerServiceResources } from "./resources";
import { runTool } from "./run-tool";
import { TOOL_BY_NAME, TOOLS } from "./tools";

// The MCP server: the catalogue's tools, the service resources and the prompts, registered once
// per McpServer. Nothing in it belongs to a request: each handler finds its request's call in the
// authInfo the transport hands it (call.ts), so a server can answer one request after another
// (pool.ts) while holding nothing between them: stateless, whichever instance a request reaches.
//
// Resources and prompts are McpServer's. tools/list and tools/call are handlers of its Server
// (McpServer.server, the SDK's low-level API), which still parses the request and checks the
// CallToolResult: the list is built once, as McpServer builds it (test/mcp/tool-list.test.ts holds
// the two equal), and each call is checked by runTool synchronously (run-tool.ts says why).

export const SERVER_INSTRUCTIONS =
  "MachPay is a payment network for AI agents: a marketplace of paid services (APIs, models, data) priced per call in USDC, " +
  "and the agent's own account. Discover with search_services, get_service and network_stats (no credentials). " +
  "get_balance, list_transactions, get_limits, deposit_address and pay act on the calling agent's account: they need its credentials " +
  "(HTTP: Authorization: Bearer <agent API key or access token>; stdio: machpay mcp reads them). Amounts are strings: *_atomic in atomic " +
  "units (1 USDC = 1000000), *_usdc in USDC. Give every pay an idempotency_key and retry with the same one: a payment is never made twice. " +
  "Errors carry a stable code (insufficient_funds, limit_exceeded, service_not_found, ...) and the request id.";

// The SDK builds an Ajv instance (formats and all) per server unless given one: a quarter of a
// millisecond of CPU on every request. It checks only what clients answer to server requests
// (elicitation), which this server never sends, so one instance serves the process.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

let toolList: ListToolsResult | undefined;
/** tools/list: the catalogue with its schemas as JSON Schema, converted as McpServer converts them. */
export function listTools(): ListToolsResult {
  toolList ??= {
    tools: TOOLS.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: toJsonSchemaCompat(t.input, { strictUnions: true, pipeStrategy: "input" }) as ListToolsResult["tools"][number]["inputSchema"],
      annotations: t.annotations,
      // What McpServer declares for a tool registered without one: it never runs as a task.
      execution: { taskSupport: "forbidden" },
      outputSchema: toJsonSchemaCompat(t.output, { strictUnions: true, pipeStrategy: "output" }) as ListToolsResult["tools"][number]["outputSchema"],
    })),
  };
  return toolList;
}

export function buildMcpServer(): McpServer {
  const server = new McpServer({ name: "machpay", title: "MachPay", version: pkg.version }, { instructions: SERVER_INSTRUCTIONS, jsonSchemaValidator });
  // As McpServer declares tools: listChanged is what it says of every list it serves.
  server.server.registerCapabilities({ tools: { listChanged: true } });
  server.server.setRequestHandler(ListToolsRequestSchema, listTools);
  // A call sent as a task (params.task) never gets here: the SDK refuses it first, this server
  // declaring no tasks capability (and every tool taskSupport "forbidden").
  server.server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    runTool(callOf(extra), TOOL_BY_NAME, request.params.name, request.params.arguments, extra.requestId),
  );
  registerServiceResources(server);
  registerPrompts(server);
  return server;
}
