// The Model Context Protocol endpoint (/mcp): the marketplace and the agent's account as MCP tools,
// resources and prompts, over Streamable HTTP. It reaches other modules only through their
// index.ts, calling the verbs their REST routes call.
import type { Registry } from "prom-client";
import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import { createMcpMetrics } from "./audit";
import type { McpDeps } from "./deps";
import { registerMcpRoutes } from "./routes";

export type { McpDeps } from "./deps";
export { MCP_PATH } from "./routes";

/** The /mcp route; its per-tool metrics go to the app's registry (`/metrics`). */
export function mcpModule(deps: McpDeps, app: { metrics: Registry }): Module {
  const router = newRouter();
  registerMcpRoutes(router, deps, createMcpMetrics(app.metrics));
  return { router };
}
