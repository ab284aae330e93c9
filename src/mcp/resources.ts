import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { ErrorCode, McpError, type ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { listMarketplace, resolveServiceDTO, ServiceIdSchema } from "@/registry";
import { callOf, type McpCall } from "./call";
import { asProtocolError } from "./protocol-errors";
import { oneLine, serviceDetail, serviceUri, SERVICE_URI_TEMPLATE, type ServiceDetail } from "./service-view";

// machpay://services/{id}: each active service's documentation and its vendor's MCP tool
// definitions, as resources an MCP host can list, read and attach to a conversation. A read
// answers two contents: the document for a model to read (Markdown) and the service as JSON.

/** resources/list carries the first services by id: search_services finds the others. */
const LISTED = 100;

function document(s: ServiceDetail): string {
  const tools = s.tools.map((t) => `### ${t.name}\n\n${t.description ?? "(no description)"}\n\nInput schema:\n\n\`\`\`json\n${JSON.stringify(t.inputSchema, null, 2)}\n\`\`\``);
  return [
    `# ${s.name}`,
    "",
    s.description,
    "",
    `- Service id: \`${s.id}\` (type ${s.service_type}), vendor ${s.vendor_id}`,
    `- Price: ${s.price_usdc} USDC per call (${s.price_atomic} atomic units of ${s.token_mint})`,
    `- Gateway: ${s.gateway_url}${s.gateway_pubkey ? ` (key ${s.gateway_pubkey})` : ""}`,
    "",
    "## Paying",
    "",
    `Call the MachPay tool \`pay\` with \`{"to": "${s.id}", "amount_atomic": "${s.price_atomic}", "idempotency_key": "<a UUID per call>"}\`, then call the gateway.`,
    "",
    "## Tools",
    "",
    tools.length > 0 ? tools.join("\n\n") : "The vendor registered no MCP tool definitions.",
  ].join("\n");
}

const notAnId = (raw: string) => new McpError(ErrorCode.InvalidParams, `not a service id: ${JSON.stringify(raw.slice(0, 80))}`);

/** `raw` is the URI's {id} as written (percent-encoded or not). */
export async function readService(call: McpCall, uri: string, raw: string): Promise<ReadResourceResult> {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw notAnId(raw);
  }
  const parsed = ServiceIdSchema.safeParse(id);
  if (!parsed.success) throw notAnId(raw);
  const service = serviceDetail(call, await resolveServiceDTO(call.ctx, parsed.data));
  return {
    contents: [
      { uri, mimeType: "text/markdown", text: document(service) },
      { uri, mimeType: "application/json", text: JSON.stringify(service) },
    ],
  };
}

// Parsed once, not per request.
const URI_TEMPLATE = new UriTemplate(SERVICE_URI_TEMPLATE);

export function registerServiceResources(server: McpServer): void {
  const template = new ResourceTemplate(URI_TEMPLATE, {
    list: async (extra) => {
      const call = callOf(extra);
      try {
        const page = await listMarketplace(call.mayLagCtx(), { limit: LISTED });
        return {
          resources: page.services.map((s) => ({
            uri: serviceUri(s.id),
            name: s.id,
            title: s.name,
            description: `${s.service_type}: ${oneLine(s.description, 200)}`,
            mimeType: "text/markdown",
          })),
        };
      } catch (err) {
        throw asProtocolError(call, err);
      }
    },
  });
  server.registerResource(
    "service",
    template,
    {
      title: "A MachPay marketplace service",
      description: "A service's documentation: what it does, its price per call, its gateway, how to pay for it, and its vendor's MCP tool definitions.",
      mimeType: "text/markdown",
    },
    async (uri, variables, extra) => {
      const call = callOf(extra);
      const id = Array.isArray(variables.id) ? variables.id[0] : variables.id;
      try {
        return await readService(call, uri.toString(), id ?? "");
      } catch (err) {
        throw asProtocolError(call, err);
      }
    },
  );
}
