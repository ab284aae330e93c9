import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { McpCall } from "./call";
import { StoredRefusal } from "./refusal";
import { asAppError } from "./results";

// Resources and prompts have no isError channel: a refusal is a JSON-RPC error. Its data carries
// our code and the request id; the message is our message (an unexpected failure's is generic,
// never the exception's text).

/** MCP spec 2025-11-25 ("Resources" § Error Handling): -32002 for a resource that does not exist. */
export const RESOURCE_NOT_FOUND = -32002;

const NOT_FOUND = new Set(["service_not_found", "not_found"]);

export function asProtocolError(call: McpCall, err: unknown): McpError {
  if (err instanceof McpError) return err;
  const body = err instanceof StoredRefusal ? err.body.error : undefined;
  const error = body ? undefined : asAppError(err, call.ctx.log);
  const code = body?.code ?? error!.code;
  const message = body?.message ?? error!.message;
  const jsonRpcCode = NOT_FOUND.has(code) ? RESOURCE_NOT_FOUND : code === "invalid_request" ? ErrorCode.InvalidParams : ErrorCode.InternalError;
  return new McpError(jsonRpcCode, message, { code, request_id: call.requestId });
}
