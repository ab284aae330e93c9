import { stringify, type Json } from "./json";

// JSON-RPC 2.0 envelope and dispatch, with the error codes and messages of a Solana node
// (jsonrpc-core): -32700 parse error, -32600 invalid request, -32601 method not found,
// -32602 invalid params, -32603 internal error; Solana's own codes come from the methods.

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: Json,
  ) {
    super(message);
  }
}

export const invalidParams = (message: string) => new RpcError(-32602, message);

export type Handler = (params: unknown) => Json | Promise<Json>;
export type Methods = Readonly<Record<string, Handler>>;

type Id = number | string | null;

const envelope = (id: Id, body: { result: Json } | { error: Json }) => ({ jsonrpc: "2.0", ...body, id });

function errorBody(err: RpcError): Json {
  return { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) };
}

async function handleOne(request: unknown, methods: Methods, onInternalError: (err: unknown) => void): Promise<Json | undefined> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return envelope(null, { error: errorBody(new RpcError(-32600, "Invalid request")) });
  }
  const { jsonrpc, method, params, id } = request as Record<string, unknown>;
  const validId = id === undefined || id === null || typeof id === "number" || typeof id === "string";
  const replyId: Id = validId ? ((id ?? null) as Id) : null;
  if (jsonrpc !== "2.0" || typeof method !== "string" || !validId) {
    return envelope(replyId, { error: errorBody(new RpcError(-32600, "Invalid request")) });
  }
  // A notification (no id) gets no answer, as in JSON-RPC 2.0.
  const isNotification = id === undefined;
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
  let body: { result: Json } | { error: Json };
  if (!handler) {
    body = { error: errorBody(new RpcError(-32601, "Method not found")) };
  } else {
    try {
      body = { result: await handler(params) };
    } catch (err) {
      if (err instanceof RpcError) {
        body = { error: errorBody(err) };
      } else {
        onInternalError(err);
        body = { error: errorBody(new RpcError(-32603, "Internal error")) };
      }
    }
  }
  return isNotification ? undefined : envelope(replyId, body);
}

/** Answers one HTTP body (a single request or a batch); null means nothing to send back. */
export async function handleRpcBody(text: string, methods: Methods, onInternalError: (err: unknown) => void): Promise<string | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return stringify(envelope(null, { error: errorBody(new RpcError(-32700, "Parse error")) }));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return stringify(envelope(null, { error: errorBody(new RpcError(-32600, "Invalid request")) }));
    // Sequential on purpose: the chain is single-threaded and each request sees the previous one's effects.
    const answers: Json[] = [];
    for (const request of parsed) {
      const answer = await handleOne(request, methods, onInternalError);
      if (answer !== undefined) answers.push(answer);
    }
    return answers.length === 0 ? null : stringify(answers);
  }
  const answer = await handleOne(parsed, methods, onInternalError);
  return answer === undefined ? null : stringify(answer);
}
