import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "@/http/env";
import { ErrorBodySchema } from "@/http/errors";
import { access, guarded } from "@/http/guards";
import { jsonContent } from "@/http/route-helpers";
import type { McpAuditEntry, McpMetrics } from "./audit";
import { callFor } from "./call";
import type { McpDeps } from "./deps";
import { mcpGate } from "./gate";
import { JsonRpcAnswerSchema, JsonRpcBodySchema } from "./schemas";
import { SERVICE_URI_TEMPLATE } from "./service-view";
import { TOOLS } from "./tools";
import { createServerPool } from "./pool";
import { serveMcp } from "./transport";

export const MCP_PATH = "/mcp";

const refusal = (description: string) => ({ description, content: { "application/json": { schema: ErrorBodySchema } } });

/** What the document says of the endpoint beyond the HTTP operation: generated from the catalogue, so it cannot drift. */
const MCP_EXTENSION = {
  transport: "streamable-http",
  sessions: "none: stateless, every POST stands alone (any instance answers it); GET and DELETE answer 405",
  protocol_versions: SUPPORTED_PROTOCOL_VERSIONS,
  stdio: "machpay mcp (the CLI relays stdio to this endpoint)",
  tools: TOOLS.map((t) => ({ name: t.name, access: t.access === "public" ? "none" : `architect role, ${t.access} permission` })),
  resource_templates: [SERVICE_URI_TEMPLATE],
  prompts: ["find_and_pay", "pay_for_service"],
};

const VERSION_HEADER = "The version initialize negotiated; clients send it on every later request (absent: 2025-03-26)";

const mcpRoute = createRoute({
  method: "post",
  path: MCP_PATH,
  operationId: "mcp",
  tags: ["mcp"],
  summary: "Model Context Protocol: the marketplace and the agent's account as MCP tools (Streamable HTTP)",
  description:
    "An MCP server (protocol versions in x-mcp) over Streamable HTTP, stateless: POST one JSON-RPC message, get its answer as JSON " +
    "(202 and no body for notifications). No session is kept (no Mcp-Session-Id), so GET (a stream of server messages) and DELETE " +
    "(ending a session) answer 405. Discovery tools need no credentials; account tools (get_balance, list_transactions, get_limits, " +
    "deposit_address, pay) act for the agent named by `Authorization: Bearer <agent API key or access token>` under the same rules " +
    "as their REST twins, and refuse with an MCP tool error (isError) carrying this API's error envelope. A browser Origin outside " +
    "the allowed ones is refused (403 origin_not_allowed: DNS-rebinding protection).",
  ...access.public(),
  security: [{}, { bearerAuth: [] }],
  "x-mcp": MCP_EXTENSION,
  // Documented, not validated here: gate.ts checks the header (in the route's middleware) and
  // transport.ts the body, each once. A header schema in `request` would add zod-openapi's header
  // validator, which copies every header into an object and parses it again on every POST.
  parameters: [
    {
      schema: { type: "string", enum: [...SUPPORTED_PROTOCOL_VERSIONS], description: VERSION_HEADER },
      required: false,
      description: VERSION_HEADER,
      name: "mcp-protocol-version",
      in: "header",
    },
  ],
  request: {
    // Validated once in the handler against the SDK's own JSON-RPC schema (transport.ts): a
    // second, looser zod pass in the route cost a tenth of a tool call's CPU.
    body: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/McpJsonRpcBody" } } } },
  },
  responses: {
    200: jsonContent("The JSON-RPC response", JsonRpcAnswerSchema),
    202: { description: "Only notifications (or responses) were sent: accepted, nothing to answer" },
    400: refusal("The body is not JSON or not a JSON-RPC message, or MCP-Protocol-Version names a version this server does not speak"),
    403: refusal("origin_not_allowed: a browser Origin (or Host) this endpoint does not serve"),
    406: refusal("not_acceptable: the Accept header admits no JSON"),
    413: refusal("payload_too_large"),
    415: refusal("unsupported_media_type: the body is not application/json"),
    500: refusal("A bug on our side; quote the request id."),
  },
});

export function registerMcpRoutes(router: OpenAPIHono<HonoEnv>, deps: McpDeps, metrics: McpMetrics) {
  const gate = mcpGate(deps.config);
  const pool = createServerPool(deps.logger);

  router.openAPIRegistry.register("McpJsonRpcBody", JsonRpcBodySchema);
  router.openapi(guarded(mcpRoute, gate.post), async (c) => {
    // Not JSON: a SyntaxError, answered 400 invalid_request by onError as any route's.
    const body: unknown = await c.req.json();
    const call = callFor(deps, c);
    const audited: McpAuditEntry[] = [];
    const record = (entry: McpAuditEntry) => {
      audited.push(entry);
      metrics.observe(entry);
    };
    try {
      // SAFETY: the answer is one the route declares (200 JSON-RPC answers, 202); typed responses cannot name a Response built elsewhere.
      return (await serveMcp(pool, call, body, c, record)) as never;
    } finally {
      if (audited.length > 0) call.note({ mcp: audited });
    }
  });

  // Stateless: no stream of server-initiated messages to open (GET) and no session to end (DELETE).
  // The Streamable HTTP transport lets a server answer both with 405.
  router.all(MCP_PATH, gate.origin, (c) => {
    throw new AppError("method_not_allowed", `${c.req.method} is not served: this MCP server keeps no session, POST each JSON-RPC message`, { headers: { Allow: "POST" } });
  });
}
