import type { Readable, Writable } from "node:stream";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

// `machpay mcp` is an MCP server on stdio that relays every JSON-RPC message, unchanged, to the
// API's own MCP endpoint (POST <api-url>/mcp) with the agent's credential, and relays the answers
// back: the tools, resources, prompts, validation and refusals are the server's, one
// implementation for both transports, so the lists cannot differ. The SDK's transports do the
// framing on both sides (newline-delimited JSON on stdio; Streamable HTTP, with the negotiated
// MCP-Protocol-Version header, towards the API).

export interface RelayOptions {
  endpoint: URL;
  /** fetch with the agent's credential added (the Device scheme signs each request anew). */
  fetch: FetchLike;
  stdin: Readable;
  stdout: Writable;
  /** Lines for the person (stderr): stdout carries the protocol. */
  log(line: string): void;
}

const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId; method: string } => "method" in m && "id" in m;

/** The API's error envelope in a refusal's text, when there is one: its code and message say it best. */
function envelopeIn(text: string): { code: string; message: string } | undefined {
  const start = text.indexOf('{"error"');
  if (start < 0) return undefined;
  try {
    // SAFETY: read only through optional members, each checked below.
    const { error } = JSON.parse(text.slice(start)) as { error?: { code?: unknown; message?: unknown } };
    return typeof error?.code === "string" && typeof error.message === "string" ? { code: error.code, message: error.message } : undefined;
  } catch {
    return undefined;
  }
}

/** An answer the API could not give (unreachable, or a refusal at the HTTP level): the host gets a JSON-RPC error instead of silence. */
function failed(id: RequestId, endpoint: URL, err: unknown): JSONRPCMessage {
  const reason = err instanceof Error ? err.message : String(err);
  // SAFETY: the SDK's StreamableHTTPError carries the HTTP status as a numeric `code`; checked before use.
  const status = typeof (err as { code?: unknown } | null)?.code === "number" ? (err as { code: number }).code : undefined;
  const envelope = envelopeIn(reason);
  const message =
    status !== undefined && status >= 400
      ? `the MachPay API at ${endpoint.origin} refused the request (HTTP ${status}): ${envelope ? `${envelope.code}: ${envelope.message}` : reason}`
      : `the MachPay API at ${endpoint.origin} did not answer: ${reason}`;
  return { jsonrpc: "2.0", id, error: { code: -32603, message } };
}

/** Relays until stdin ends and every request in flight is answered. */
export async function relayStdio(options: RelayOptions): Promise<void> {
  const local = new StdioServerTransport(options.stdin, options.stdout);
  const remote = new StreamableHTTPClientTransport(options.endpoint, { fetch: options.fetch });
  const initializing = new Set<RequestId>();
  const inFlight = new Set<Promise<void>>();

  remote.onmessage = (message) => {
    // The API's answer to initialize names the protocol version: later requests must carry it.
    const id = "id" in message ? message.id : undefined;
    if (id !== undefined && initializing.delete(id) && "result" in message && typeof message.result.protocolVersion === "string") {
      remote.setProtocolVersion(message.result.protocolVersion);
    }
    void local.send(message);
  };
  remote.onerror = (err) => options.log(`machpay mcp: ${err.message}`);
  local.onerror = (err) => options.log(`machpay mcp: unreadable input: ${err.message}`);
  local.onmessage = (message) => {
    if (isRequest(message) && message.method === "initialize") initializing.add(message.id);
    const sent: Promise<void> = remote
      .send(message)
      .catch(async (err: unknown) => {
        options.log(`machpay mcp: ${err instanceof Error ? err.message : String(err)}`);
        if (isRequest(message)) await local.send(failed(message.id, options.endpoint, err));
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  const ended = new Promise<void>((resolve) => {
    options.stdin.once("end", resolve);
    options.stdin.once("close", resolve);
  });
  await remote.start();
  await local.start();
  await ended;
  // The host closed our stdin: finish what it asked for, then stop.
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  await local.close();
  await remote.close();
}
