import { MAX_BATCH_SIZE } from "@modelcontextprotocol/sdk/server/requestBody.js";
import { isInitializeRequest, JSONRPCMessageSchema, type JSONRPCMessage, type JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { AppError } from "@/core/errors";
import { findUnstorableText } from "@/core/storable-text";
import { unstorableTextError } from "@/http/router";
import type { HonoEnv } from "@/http/env";
import { auditAnswers, type McpAuditEntry } from "./audit";
import { invalidParamsAnswer } from "./params";
import { authInfoOf, type McpCall } from "./call";
import { isRequest } from "./exchange";
import type { ServerPool } from "./pool";
import { TOOL_BY_NAME } from "./tools";

// One POST to /mcp, Streamable HTTP in stateless mode (no Mcp-Session-Id) answering in JSON (no
// tool sends progress or log messages mid-call, so an SSE stream would carry one event and cost
// more). The HTTP checks ran in the route's middleware (gate.ts); here the body is checked against
// the SDK's own JSON-RPC schema and the rules the SDK's transport applies to a POST (one
// initialize, alone), then a server of the pool answers it over its transport (exchange.ts).

/** A refusal of the POST as a whole (400 invalid_request), in the words of the SDK's transport. */
function refusal(message: string, field = "(body)"): AppError {
  return new AppError("invalid_request", `invalid JSON-RPC message: ${message}`, { details: { issues: [{ field, location: "json", message }] } });
}

const NOT_JSON_RPC = 'not a JSON-RPC 2.0 message: expected {"jsonrpc": "2.0"} with a method (a request or notification), or an id with a result or error';

/**
 * The POST's messages, and its requests among them: one JSON-RPC message or a batch of 1 to 100, each valid by the SDK's own
 * JSON-RPC schema (what its transport checks), strings PostgreSQL can store (as every route's
 * body), at most one initialize, and alone; no request id twice, none cancelled by its batch.
 */
function messagesOf(body: unknown): { messages: JSONRPCMessage[]; requests: JSONRPCRequest[] } {
  const batch = Array.isArray(body);
  const raw: unknown[] = batch ? body : [body];
  if (batch && (raw.length === 0 || raw.length > MAX_BATCH_SIZE)) throw refusal(`a batch holds 1 to ${MAX_BATCH_SIZE} messages`);
  const unstorable = findUnstorableText(body);
  if (unstorable) throw unstorableTextError(unstorable, "json");
  const messages: JSONRPCMessage[] = [];
  raw.forEach((m, i) => {
    const parsed = JSONRPCMessageSchema.safeParse(m);
    if (!parsed.success) throw refusal(NOT_JSON_RPC, batch ? String(i) : "(root)");
    messages.push(parsed.data);
  });
  if (messages.length > 1 && messages.some(isInitializeRequest)) throw refusal("Invalid Request: Only one initialization request is allowed");
  const requests = messages.filter(isRequest);
  const ids = new Set<unknown>();
  for (const m of requests) {
    // Two requests of a batch with one id could not be told apart in their answers.
    if (ids.has(m.id)) throw refusal(`Invalid Request: the batch repeats the request id ${JSON.stringify(m.id)}`);
    ids.add(m.id);
  }
  // A request cancelled by its own batch would never be answered (the SDK sends nothing for a
  // cancelled request), and the POST would wait for ever. A cancellation of anything else is
  // delivered: in a stateless server it reaches no request, as the specification allows.
  for (const m of messages) {
    if (!("method" in m) || isRequest(m) || m.method !== "notifications/cancelled") continue;
    const cancelled = m.params?.requestId;
    if (ids.has(cancelled)) throw refusal(`Invalid Request: the batch cancels its own request ${JSON.stringify(cancelled)}`);
  }
  return { messages, requests };
}

/** Serves one MCP POST on a server of the pool: its answers as JSON (an array for a batch), or 202 when it held no request. */
export async function serveMcp(pool: ServerPool, call: McpCall, body: unknown, c: Context<HonoEnv>, record: (entry: McpAuditEntry) => void): Promise<Response> {
  const { messages, requests } = messagesOf(body);
  const taken = pool.take();
  const entry = taken instanceof Promise ? await taken : taken;
  let answers;
  try {
    answers = await entry.transport.exchange(messages, { authInfo: authInfoOf(call) });
  } catch (err) {
    // A server whose exchange failed is not trusted with another request.
    pool.discard(entry);
    throw err;
  }
  pool.give(entry);
  answers = answers.map((answer, i) => invalidParamsAnswer(requests[i]!, answer));
  auditAnswers(requests, answers, { ms: Math.round((performance.now() - call.receivedAt) * 100) / 100, tools: TOOL_BY_NAME, refusals: call.refusals, record });
  if (answers.length === 0) return c.body(null, 202);
  return c.json(Array.isArray(body) ? answers : answers[0]);
}
