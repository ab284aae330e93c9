import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { buildMcpServer } from "./server";

// Idle MCP servers, each serving one request at a time: a request takes one (or a new one when
// all are busy), connects it to its own fresh transport (the SDK's stateless mode: a transport is
// never reused) and gives it back once closed. Building a server (eight tools, a resource
// template, two prompts, their handlers) cost about as much CPU as the rest of the MCP layer of a
// tool call; McpServer.connect is documented to accept a new transport after close(). The pool
// is bounded: past MAX_IDLE, a returned server is dropped for the garbage collector.

const MAX_IDLE = 64;

export interface ServerPool {
  take(): McpServer;
  /** Back into the pool; only a server whose transport was closed normally. */
  give(server: McpServer): void;
}

export function createServerPool(build: () => McpServer = buildMcpServer): ServerPool {
  const idle: McpServer[] = [];
  return {
    take: () => idle.pop() ?? build(),
    give(server) {
      if (idle.length < MAX_IDLE) idle.push(server);
    },
  };
}
