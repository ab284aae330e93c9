// Every error answer of the MachPay API carries one envelope:
// {"error":{"code","message","details"?,"request_id"}}. MachPayError is that envelope as an
// exception, so callers switch on `code` (stable) rather than parse messages (for people).

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown>; request_id: string };
}

export class MachPayError extends Error {
  override readonly name = "MachPayError";
  constructor(
    message: string,
    /** The envelope's code (`insufficient_funds`, `invalid_request`...), or `unexpected_response` when the answer was not an envelope. */
    readonly code: string,
    /** The HTTP status. */
    readonly status: number,
    /** The request id to quote when asking for help; the `x-request-id` header when the body had none. */
    readonly requestId: string | undefined,
    readonly details: Record<string, unknown> | undefined,
    /** Seconds from Retry-After, when the server sent one (429, some 503). */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }

  /** The error an HTTP answer stands for: its envelope when it has one. */
  static fromResponse(response: Response, body: unknown): MachPayError {
    const envelope = readEnvelope(body);
    const retryAfter = Number(response.headers.get("retry-after"));
    const retry = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
    const headerId = response.headers.get("x-request-id") ?? undefined;
    if (!envelope) {
      return new MachPayError(`HTTP ${response.status} without a MachPay error body`, "unexpected_response", response.status, headerId, undefined, retry);
    }
    return new MachPayError(envelope.message, envelope.code, response.status, envelope.request_id ?? headerId, envelope.details, retry);
  }
}

function readEnvelope(body: unknown): { code: string; message: string; request_id: string | undefined; details: Record<string, unknown> | undefined } | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, details, request_id } = error as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return null;
  return {
    code,
    message,
    request_id: typeof request_id === "string" ? request_id : undefined,
    details: typeof details === "object" && details !== null ? (details as Record<string, unknown>) : undefined,
  };
}

/** What every openapi-fetch call resolves to. */
export type FetchOutcome<D> = { data: D; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/**
 * The data of a successful call, or a MachPayError: `await unwrap(api.GET("/v1/agent/balance"))`.
 * Transport failures (no connection, timeouts) are thrown as they are, unchanged.
 */
export async function unwrap<D>(request: Promise<FetchOutcome<D>>): Promise<Exclude<D, undefined>> {
  const outcome = await request;
  // openapi-fetch's error branch types `data` as optional, so D may carry `undefined`: a success has data.
  if (outcome.error === undefined && outcome.response.ok) return outcome.data as Exclude<D, undefined>;
  throw MachPayError.fromResponse(outcome.response, outcome.error);
}
