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
  type JSONRPCRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { ZodType } from "zod";
import type { Answer } from "./exchange";

// A request whose params break the MCP schema (tools/call with `arguments: "x"`, resources/read
// without a uri) is answered -32602 Invalid params naming what is wrong. Left to the SDK, its
// schema failure surfaces as a thrown ZodError, which the protocol layer answers -32603 Internal
// error: a server-error code for the client's own mistake. The SDK parses every request against
// its schema anyway, so the schema is checked here again only for a request answered -32603.

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

/** The answer to `request`, or -32602 naming what is wrong when the SDK answered its invalid params as an internal error. */
export function invalidParamsAnswer(request: JSONRPCRequest, answer: Answer): Answer {
  if (!("error" in answer) || answer.error.code !== ErrorCode.InternalError) return answer;
  const parsed = SCHEMAS[request.method]?.safeParse(request);
  if (!parsed || parsed.success) return answer;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(params)"}: ${i.message}`).join("; ");
  return { jsonrpc: "2.0", id: answer.id, error: { code: ErrorCode.InvalidParams, message: `Invalid params: ${issues}` } };
}
