import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Logger } from "@/core/logger";
import { ExchangeTransport } from "./exchange";
import { buildMcpServer } from "./server";

// Idle MCP servers, each connected once to its own transport (exchange.ts) and answering one POST
// at a time: a request takes one (or a new one when all are busy) and gives it back once its
// answers are out. Building a server (eight tools, a resource template, two prompts, their
// handlers) costs about as much CPU as the rest of the MCP layer of a tool call, so they are kept.
// Nothing of a request stays on a server: handlers find their request's call in the authInfo the
// transport hands them (call.ts). The pool is bounded: past MAX_IDLE, a returned server is closed.

const MAX_IDLE = 64;

export interface PooledServer {
  server: McpServer;
  transport: ExchangeTransport;
}

export interface ServerPool {
  /** An idle server, or a promise of a new one when none is idle (the usual case answers without a turn of the event loop). */
  take(): PooledServer | Promise<PooledServer>;
  /** Back into the pool; only a server whose last exchange ended normally. */
  give(entry: PooledServer): void;
  /** Closes a server that is not trusted with another request. */
  discard(entry: PooledServer): void;
}

export function createServerPool(logger: Logger, build: () => McpServer = buildMcpServer): ServerPool {
  const idle: PooledServer[] = [];
  const connect = async (): Promise<PooledServer> => {
    const server = build();
    const transport = new ExchangeTransport();
    await server.connect(transport);
    // What the protocol layer reports on its own: a notification handler that failed, an answer it
    // could not send. No request's log line carries it.
    server.server.onerror = (err) => logger.warn("mcp protocol error", { err });
    return { server, transport };
  };
  const discard = (entry: PooledServer) => {
    entry.server.close().catch((err: unknown) => logger.warn("mcp server did not close", { err }));
  };
  return {
    take: () => idle.pop() ?? connect(),
    give(entry) {
      if (idle.length < MAX_IDLE) idle.push(entry);
      else discard(entry);
    },
    discard,
  };
}
