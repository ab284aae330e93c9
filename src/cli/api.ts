import { createApiClient, MachPayError, type ApiClient } from "@machpay/sdk";
import { ApiError, CliError } from "./errors";

// The CLI talks to the API only through the generated client; this file turns what can go wrong
// on the way (no connection, no answer, an error envelope, something that is not our API) into
// one clear CliError.

export interface Api {
  url: string;
  client: ApiClient;
  /** Per-request init: a deadline, so a silent server cannot hang the CLI. */
  init(): { signal: AbortSignal };
}

const REQUEST_TIMEOUT_MS = 30_000;

export function connectApi(url: string, token?: string): Api {
  return { url, client: createApiClient(url, token), init: () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }) };
}

type Outcome<D> = { data: D; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

/** Runs one request and returns its data, or throws the CliError that explains the failure. */
export async function send<D>(api: Api, request: Promise<Outcome<D>>): Promise<D> {
  let outcome: Outcome<D>;
  try {
    outcome = await request;
  } catch (err) {
    throw transportError(api.url, err);
  }
  if (outcome.error === undefined && outcome.response.ok) {
    if (outcome.data === undefined || outcome.data === null) throw notOurApi(api.url, `an empty answer (HTTP ${outcome.response.status})`);
    return outcome.data;
  }
  throw errorFromResponse(api.url, outcome.response, outcome.error);
}

function transportError(url: string, err: unknown): CliError {
  if (err instanceof SyntaxError) return notOurApi(url, "an answer that is not JSON");
  return new CliError(`cannot reach the MachPay API at ${url}: ${unreachableReason(err)}`, "api_unreachable");
}

function unreachableReason(err: unknown): string {
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  const code = typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ConnectionRefused: "connection refused",
    ENOTFOUND: "host not found",
    ECONNRESET: "connection reset",
    ETIMEDOUT: "connection timed out",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate not trusted",
  };
  if (known[code]) return known[code];
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}

const notOurApi = (url: string, what: string) =>
  new CliError(`the server at ${url} gave ${what}: is it the MachPay API? (check --api-url or MACHPAY_API_URL)`, "unexpected_response");

function errorFromResponse(url: string, response: Response, body: unknown): CliError {
  // The SDK reads the envelope; the CLI adds what a person at a terminal needs around it.
  const error = MachPayError.fromResponse(response, body);
  if (error.code === "unexpected_response") return notOurApi(url, `HTTP ${response.status} without a MachPay error body`);
  if (error.code === "proof_expired") {
    const skewed = clockSkewError(response, error.details);
    if (skewed) return skewed;
  }
  return new ApiError(error.message, error.code, error.status, error.details, error.retryAfterSeconds, error.requestId);
}

/**
 * Signed requests carry this computer's time; a server refusing it as too old or too new almost
 * always means a wrong clock here, so say that, with the size of the gap. The server's time comes
 * from the error's details when it gives it, else from the HTTP Date header.
 */
function clockSkewError(response: Response, details: Record<string, unknown> | undefined): CliError | null {
  const fromDetails = details?.server_time;
  const fromHeader = Date.parse(response.headers.get("date") ?? "") / 1000;
  const serverTime = typeof fromDetails === "number" ? fromDetails : fromHeader;
  if (!Number.isFinite(serverTime)) return null;
  const skew = Math.round(Date.now() / 1000 - serverTime);
  if (Math.abs(skew) < 60) return null;
  return new CliError(
    `the API refused the signed request because this computer's clock is ${Math.abs(skew)} s ${skew > 0 ? "ahead of" : "behind"} the server's: set the clock right and retry`,
    "proof_expired",
  );
}
