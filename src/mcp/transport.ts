import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Context } from "hono";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "@/http/env";
import { watchAnswers, type McpAuditEntry } from "./audit";
import { authInfoOf, type McpCall } from "./call";
import { refuseInvalidParams } from "./params";
import type { ServerPool } from "./pool";
import { TOOL_NAMES } from "./tools";

// One POST to /mcp through the SDK's Streamable HTTP transport (WebStandardStreamableHTTPServerTransport,
// which takes the Web Request Hono already holds) in stateless mode: no Mcp-Session-Id, a fresh
// transport per request on a server taken from the pool (pool.ts), the answer as one JSON body
// (enableJsonResponse: no tool sends progress or log messages mid-call, so an SSE stream would
// carry one event and cost more). The
// HTTP checks ran in the route's middleware (gate.ts) and the body was validated as JSON-RPC by the
// route; what the transport still refuses (a message that is not JSON-RPC) becomes our envelope.

/**
 * The request as the transport reads it (its headers; the body is passed parsed). The transport
 * wants Accept to list JSON and SSE; gate.ts also served clients listing JSON alone, whose
 * request is copied with the Accept the transport wants. SDK clients list both: no copy.
 */
function requestForSdk(c: Context<HonoEnv>): Request {
  const accept = c.req.header("accept") ?? "";
  if (accept.includes("application/json") && accept.includes("text/event-stream")) return c.req.raw;
  const headers = new Headers(c.req.raw.headers);
  headers.set("accept", "application/json, text/event-stream");
  return new Request(c.req.url, { method: "POST", headers });
}

/** An HTTP-level refusal of the transport (a JSON-RPC error with no id) as our envelope. */
async function sdkRefusal(res: Response): Promise<AppError> {
  // SAFETY: the transport's own error body, read only through checked optional members.
  const answer = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
  const message = typeof answer?.error?.message === "string" ? answer.error.message : `HTTP ${res.status}`;
  const code = typeof answer?.error?.code === "number" ? answer.error.code : undefined;
  if (res.status === 413) return new AppError("payload_too_large", message);
  return new AppError("invalid_request", `invalid JSON-RPC message: ${message}`, {
    details: { issues: [{ field: "(body)", location: "json", message }], ...(code === undefined ? {} : { jsonrpc_code: code }) },
  });
}

/** Serves one MCP POST: a server of the pool on a transport of this request's own, closed once it is answered. */
export async function serveMcp(
  pool: ServerPool,
  call: McpCall,
  body: unknown,
  c: Context<HonoEnv>,
  record: (entry: McpAuditEntry) => void,
): Promise<Response> {
  const server = pool.take();
  // No sessionIdGenerator: the SDK's stateless mode (no Mcp-Session-Id issued or checked).
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  transport.onerror = (err) => call.ctx.log.debug("mcp transport refused a message", { err });
  await server.connect(transport);
  refuseInvalidParams(transport);
  watchAnswers(transport, body, { tools: TOOL_NAMES, refusals: call.refusals, record });
  let answered = false;
  try {
    const res = await transport.handleRequest(requestForSdk(c), { parsedBody: body, authInfo: authInfoOf(call) });
    answered = true;
    if (res.status >= 400) throw await sdkRefusal(res);
    return res;
  } finally {
    // The JSON answer is complete when handleRequest resolves: nothing is left to stream.
    await server.close();
    // A server whose request failed unexpectedly is not trusted with another.
    if (answered) pool.give(server);
  }
}
