import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCRequest,
  JSONRPCResultResponse,
  MessageExtraInfo,
  RequestId,
} from "@modelcontextprotocol/sdk/types.js";

// The link between one of the pool's MCP servers (pool.ts) and the POSTs it answers, written on
// the SDK's Transport interface (the extension point the SDK documents for transports of one's
// own; @hono/mcp is another): the SDK's Server still does all of MCP (lifecycle, capability
// negotiation, request schemas, tool input and output validation, result checks, errors). What
// this replaces is the SDK's per-request Streamable HTTP transport object. A stateless server had
// to build one per POST, connect a server to it and close it again (the SDK refuses to reuse a
// stateless transport, because concurrent clients' JSON-RPC ids would collide in it); that, its
// second parse of the headers and body our route had already checked, and the close sweep were a
// third of the CPU an MCP tool call spent beyond its REST twin. Here a server and its transport
// stay connected for the process's life and carry one POST at a time (the pool hands a server to
// one request only), so ids cannot collide. The HTTP side of Streamable HTTP (Origin, Accept,
// Content-Type, MCP-Protocol-Version, the JSON-RPC shape, 202 for notifications, 405 for GET and
// DELETE) is checked in gate.ts, routes.ts and transport.ts.

/** An answer (result or error) to one request, as the server sends it. */
export type Answer = (JSONRPCResultResponse | JSONRPCErrorResponse) & { id: RequestId };

/** A request (a method and an id): what gets an answer, unlike notifications and responses. */
export const isRequest = (m: JSONRPCMessage): m is JSONRPCRequest => "method" in m && "id" in m;

export class ExchangeTransport implements Transport {
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  /** The current POST's requests still waiting for their answers, by JSON-RPC id. */
  private readonly waiting = new Map<RequestId, (answer: Answer) => void>();

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.waiting.clear();
    this.onclose?.();
  }

  /**
   * The server's answers resolve the waiting requests. A message that answers nothing (a
   * notification or request of the server's own, such as progress or logging) has no stream to
   * travel on in a stateless server that answers in JSON, and is dropped, as the SDK's transport
   * drops it in the same mode.
   */
  async send(message: JSONRPCMessage): Promise<void> {
    // The server's own message, shaped by its types: no schema check needed to tell an answer.
    if (!("result" in message) && !("error" in message)) return;
    const id = message.id;
    const deliver = id === undefined ? undefined : this.waiting.get(id);
    // The SDK's transport throws the same: an answer to no request of this POST is a bug.
    if (id === undefined || !deliver) throw new Error(`No connection established for request ID: ${String(id)}`);
    this.waiting.delete(id);
    deliver({ ...message, id });
  }

  /**
   * Hands one POST's messages to the server and resolves with the answers to its requests, in the
   * order of the requests. The ids of the requests must be distinct (transport.ts refuses a batch
   * that repeats one).
   */
  async exchange(messages: JSONRPCMessage[], extra: MessageExtraInfo): Promise<Answer[]> {
    if (this.waiting.size > 0) throw new Error("an MCP server was handed a request while it still answered another");
    if (!this.onmessage) throw new Error("the MCP transport is not connected to a server");
    const answers: Promise<Answer>[] = [];
    for (const message of messages) {
      if (isRequest(message)) answers.push(new Promise<Answer>((resolve) => this.waiting.set(message.id, resolve)));
    }
    for (const message of messages) this.onmessage(message, extra);
    // One request (nearly every POST): its answer alone, without Promise.all's extra promise.
    return answers.length === 1 ? [await answers[0]!] : await Promise.all(answers);
  }
}
