import { z } from "@hono/zod-openapi";

// The JSON-RPC 2.0 messages of POST /mcp, as the document shows them: only the envelope, loosely;
// each MCP method's params are the MCP schema's. The route does not run these: it checks a body
// once, against the SDK's own JSON-RPC schema (transport.ts), with the same 400 invalid_request
// and the same refusal of strings PostgreSQL cannot store as every route's validation. Results
// are free-form here; each method's result is the MCP specification's.

const JsonRpcId = z.union([z.string(), z.number().int()]).openapi({ description: "The request's id" });

const JsonRpcError = z.looseObject({
  code: z.number().int().openapi({ description: "JSON-RPC error code: -32602 invalid params, -32601 no such method, -32002 no such resource" }),
  message: z.string(),
  data: z.unknown().optional(),
});

const JsonRpcMessage = z
  .looseObject({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId.optional().openapi({ description: "Absent for a notification" }),
    method: z.string().max(200).optional().openapi({ example: "tools/call", description: "initialize, tools/list, tools/call, resources/list, resources/read, prompts/get, ping..." }),
    params: z.record(z.string(), z.unknown()).optional().openapi({ example: { name: "search_services", arguments: { query: "cheap LLM" } } }),
    result: z.record(z.string(), z.unknown()).optional(),
    error: JsonRpcError.optional(),
  })
  .openapi("McpJsonRpcMessage", { description: "An MCP JSON-RPC 2.0 request, notification or response" });

export const JsonRpcBodySchema = z
  .union([JsonRpcMessage, z.array(JsonRpcMessage).min(1).max(100)])
  .openapi("McpJsonRpcBody", { description: "One JSON-RPC message (or a batch of them, as older protocol versions allow)" });

const JsonRpcResponse = z
  .object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId.nullable(),
    result: z.record(z.string(), z.unknown()).optional().openapi({ description: "The method's result; a tool refusal is a result with isError: true" }),
    error: JsonRpcError.optional(),
  })
  .openapi("McpJsonRpcResponse");

export const JsonRpcAnswerSchema = z
  .union([JsonRpcResponse, z.array(JsonRpcResponse)])
  .openapi("McpJsonRpcAnswer", { description: "The response to the request (an array for a batch of requests)" });
