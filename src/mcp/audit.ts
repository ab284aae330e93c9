import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { Counter, Histogram, type Registry } from "prom-client";

// Every MCP request audited like a REST call: each JSON-RPC request of a POST is matched with the
// answer the server sends (the transport's send is watched, so answers the SDK gives without
// reaching our code, such as arguments its schema refused, are counted too), and goes to the
// request's one log line (`mcp`: method, tool, outcome, ms) and to Prometheus, per method and tool.
// Labels are bounded: unknown methods and tool names are "other" and "unknown".

const METHODS = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
]);

const PROTOCOL_OUTCOMES: Record<number, string> = { [-32002]: "not_found", [-32602]: "invalid_params", [-32601]: "method_not_found", [-32603]: "internal_error" };

export interface McpAuditEntry {
  method: string;
  tool?: string;
  outcome: string;
  ms: number;
}

export interface McpMetrics {
  observe(entry: McpAuditEntry): void;
}

export function createMcpMetrics(registry: Registry): McpMetrics {
  const requests = new Counter({
    name: "mcp_requests_total",
    help: "MCP requests by JSON-RPC method, tool (tools/call) and outcome (ok, a refusal's error code, or a protocol error)",
    labelNames: ["method", "tool", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "mcp_request_duration_seconds",
    help: "MCP request latency by JSON-RPC method and tool, from its arrival to its answer",
    labelNames: ["method", "tool"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    observe(entry) {
      const tool = entry.tool ?? "";
      requests.inc({ method: entry.method, tool, outcome: entry.outcome });
      duration.observe({ method: entry.method, tool }, entry.ms / 1000);
    },
  };
}

interface Pending {
  method: string;
  tool: string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function outcomeOf(message: JSONRPCMessage, tool: string | undefined, refusals: Map<RequestId, string>, id: RequestId): string {
  if ("error" in message) return PROTOCOL_OUTCOMES[message.error.code] ?? "protocol_error";
  const result = "result" in message ? message.result : undefined;
  if (!isRecord(result) || result.isError !== true) return "ok";
  // A tool error our code did not make is the SDK's: arguments its schema refused, or no such tool.
  return refusals.get(id) ?? (tool === "unknown" ? "unknown_tool" : "invalid_arguments");
}

/**
 * Watches the answers to the requests in `body` on this per-request transport; `done` receives
 * each as it is sent.
 */
export function watchAnswers(
  transport: Transport,
  body: unknown,
  options: { tools: ReadonlySet<string>; refusals: Map<RequestId, string>; record: (entry: McpAuditEntry) => void },
): void {
  const started = performance.now();
  const pending = new Map<RequestId, Pending>();
  for (const m of Array.isArray(body) ? body : [body]) {
    if (!isRecord(m) || typeof m.method !== "string" || (typeof m.id !== "string" && typeof m.id !== "number")) continue;
    const method = METHODS.has(m.method) ? m.method : "other";
    const name = isRecord(m.params) ? m.params.name : undefined;
    pending.set(m.id, { method, tool: method === "tools/call" ? (typeof name === "string" && options.tools.has(name) ? name : "unknown") : undefined });
  }
  if (pending.size === 0) return;
  const send = transport.send.bind(transport);
  transport.send = async (message, sendOptions) => {
    const id = "id" in message && ("result" in message || "error" in message) ? message.id : undefined;
    const seen = id === undefined ? undefined : pending.get(id);
    if (seen && id !== undefined) {
      pending.delete(id);
      options.record({
        method: seen.method,
        ...(seen.tool ? { tool: seen.tool } : {}),
        outcome: outcomeOf(message, seen.tool, options.refusals, id),
        ms: Math.round((performance.now() - started) * 100) / 100,
      });
    }
    return send(message, sendOptions);
  };
}
