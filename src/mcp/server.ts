import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import pkg from "../../package.json";
import { callOf } from "./call";
import { registerPrompts } from "./prompts";
import { registerServiceResources } from "./resources";
import { runTool } from "./run-tool";
import { TOOLS } from "./tools";

// The MCP server: the catalogue's tools, the service resources and the prompts, registered once
// per McpServer. Nothing in it belongs to a request: each handler finds its request's call in the
// authInfo the transport hands it (call.ts), so a server can answer one request after another
// (pool.ts) while holding nothing between them: stateless, whichever instance a request reaches.

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

export function buildMcpServer(): McpServer {
  const server = new McpServer({ name: "machpay", title: "MachPay", version: pkg.version }, { instructions: SERVER_INSTRUCTIONS, jsonSchemaValidator });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
      (args: unknown, extra: { requestId: string | number; authInfo?: AuthInfo | undefined }) => runTool(callOf(extra), tool, args, extra.requestId),
    );
  }
  registerServiceResources(server);
  registerPrompts(server);
  return server;
}
