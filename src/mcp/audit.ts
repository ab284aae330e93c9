import type { JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { Answer } from "./exchange";
import { Counter, Histogram, type Registry } from "prom-client";

// Every MCP request audited like a REST call: each JSON-RPC request of a POST is matched with the
// answer the server sent (every answer passes through the transport, so those the SDK gives without
// reaching our code, such as params its request schema refused, are counted too), and goes to the
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
  // Each label set's child is looked up once: prom-client hashes the labels object on every call
  // otherwise. The sets are bounded (methods, tools and outcomes are fixed lists).
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(seconds: number): void }>();
  return {
    observe(entry) {
      const tool = entry.tool ?? "";
      const key = `${entry.method}\n${tool}`;
      const counterKey = `${key}\n${entry.outcome}`;
      let counted = counters.get(counterKey);
      if (!counted) counters.set(counterKey, (counted = requests.labels(entry.method, tool, entry.outcome)));
      let timed = timers.get(key);
      if (!timed) timers.set(key, (timed = duration.labels(entry.method, tool)));
      counted.inc();
      timed.observe(entry.ms / 1000);
    },
  };
}

function outcomeOf(message: Answer, refusals: Map<RequestId, string>, id: RequestId): string {
  if ("error" in message) return PROTOCOL_OUTCOMES[message.error.code] ?? "protocol_error";
  if (message.result.isError !== true) return "ok";
  // Every tool error is runTool's, which remembers its code (unknown_tool and invalid_arguments for
  // the refusals made before a tool runs).
  return refusals.get(id) ?? "tool_error";
}

/**
 * The audit of one POST: each of its requests with the outcome of its answer, the answers the SDK
 * gives without reaching our code (params its request schema refused, an unknown method) included.
 * `ms` runs from the POST's arrival to its last answer.
 */
export function auditAnswers(
  requests: readonly JSONRPCRequest[],
  answers: readonly Answer[],
  options: { ms: number; tools: { has(name: string): boolean }; refusals: Map<RequestId, string>; record: (entry: McpAuditEntry) => void },
): void {
  requests.forEach((request, i) => {
    const answer = answers[i];
    if (!answer) return;
    const method = METHODS.has(request.method) ? request.method : "other";
    const name = request.params?.name;
    const tool = method === "tools/call" ? (typeof name === "string" && options.tools.has(name) ? name : "unknown") : undefined;
    options.record({ method, ...(tool ? { tool } : {}), outcome: outcomeOf(answer, options.refusals, answer.id), ms: options.ms });
  });
}
