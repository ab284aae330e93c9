import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  InitializeRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { ZodType } from "zod";

// A request whose params break the MCP schema (tools/call with `arguments: "x"`, resources/read
// without a uri) is answered -32602 Invalid params naming what is wrong. Left to the SDK, its
// schema failure surfaces as a thrown ZodError, which the protocol layer answers -32603 Internal
// error: a server-error code for the client's own mistake.

const SCHEMAS: Record<string, ZodType> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  "tools/list": ListToolsRequestSchema,
  "tools/call": CallToolRequestSchema,
  "resources/list": ListResourcesRequestSchema,
  "resources/templates/list": ListResourceTemplatesRequestSchema,
  "resources/read": ReadResourceRequestSchema,
  "prompts/list": ListPromptsRequestSchema,
  "prompts/get": GetPromptRequestSchema,
};

/** Checks each request's params before the server handles it (call after server.connect, which sets onmessage). */
export function refuseInvalidParams(transport: WebStandardStreamableHTTPServerTransport): void {
  const deliver = transport.onmessage;
  if (!deliver) throw new Error("refuseInvalidParams: the transport is not connected");
  transport.onmessage = (message, extra) => {
    const schema = "method" in message && "id" in message ? SCHEMAS[message.method] : undefined;
    const parsed = schema?.safeParse(message);
    if (parsed && !parsed.success && "id" in message) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(params)"}: ${i.message}`).join("; ");
      void transport.send({ jsonrpc: "2.0", id: message.id, error: { code: ErrorCode.InvalidParams, message: `Invalid params: ${issues}` } });
      return;
    }
    deliver(message, extra);
  };
}
