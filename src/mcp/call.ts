import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import type { AppError } from "@/core/errors";
import type { Ctx } from "@/db/context";
import { ctxOf, mayLagCtxOf } from "@/http/context";
import type { HonoEnv } from "@/http/env";
import type { McpDeps } from "./deps";

// One POST to /mcp as the tools, resources and prompts see it: the verb context (pool, caller,
// clock, the request's logger), the credential's refusal if one was sent and failed, the request
// id its log line and every error envelope carry, and the hooks that feed that line and the audit.

export interface McpCall {
  deps: McpDeps;
  ctx: Ctx;
  /** The context for reads that may lag (search, listings, network stats): the pool their REST twins read from (the replica's while within its bound). Never for money. */
  mayLagCtx(): Ctx;
  /** Set when an Authorization header was sent but is invalid: account tools answer it, discovery ignores it (as REST's public routes do). */
  authError: AppError | undefined;
  requestId: string;
  /** performance.now() when the HTTP request arrived: a payment's deadline counts from it. */
  receivedAt: number;
  /** Adds domain ids (a transaction id, an amount) to the request's one log line: never bodies or secrets. */
  note(fields: Record<string, unknown>): void;
  /** Remembers the code a tool call was refused with, by JSON-RPC id, for the audit (audit.ts). */
  refused(id: RequestId, code: string): void;
  /** The codes remembered by refused(). */
  refusals: Map<RequestId, string>;
}

export function callFor(deps: McpDeps, c: Context<HonoEnv>): McpCall {
  const refusals = new Map<RequestId, string>();
  return {
    deps,
    ctx: ctxOf(deps, c),
    mayLagCtx: () => mayLagCtxOf(deps, c),
    authError: c.get("authError"),
    requestId: c.get("requestId"),
    receivedAt: c.get("receivedAt"),
    note: (fields) => c.set("logFields", { ...c.get("logFields"), ...fields }),
    refused: (id, code) => refusals.set(id, code),
    refusals,
  };
}

/**
 * The call as the SDK carries it to every handler: the transport passes `authInfo` through to
 * tools, resources and prompts (RequestHandlerExtra.authInfo), and who is calling is what it is
 * for. This is what lets one server (pool.ts) serve one request after another.
 */
export const authInfoOf = (call: McpCall): AuthInfo => ({ token: "", clientId: "machpay-http", scopes: [], extra: { call } });

/** The call of the request a handler is answering. */
export function callOf(extra: { authInfo?: AuthInfo | undefined }): McpCall {
  const call = extra.authInfo?.extra?.call;
  // SAFETY: serveMcp passes authInfoOf(call) with every request; nothing else reaches the server.
  if (!call) throw new Error("an MCP request reached a handler without its call");
  return call as McpCall;
}
