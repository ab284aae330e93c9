import type { Operation } from "./spec";

// What counts as a correct answer to a hostile request: anything below 500, and every refusal in
// the one envelope {"error": {"code", "message", "details"?, "request_id"}} with a snake_case code
// and the request id of the X-Request-Id header. Console pages are for browsers: their refusals
// are HTML pages, which is what a person following a bad link must see.

const CODE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

export interface Answer {
  method: string;
  status: number;
  contentType: string;
  requestIdHeader: string | null;
  /** Idempotent-Replayed: true: the stored first answer, its request id included. */
  replayed: boolean;
  /** The body as text (empty for streams, which are aborted after the headers). */
  text: string;
}

/**
 * Refused by Bun's HTTP parser before the app saw the request: headers past its 16 KiB limit
 * (431) or a control character in a header value (400). The app sets X-Request-Id before
 * anything else, so an answer without it, empty, is the server's own; it cannot carry the
 * envelope, and it is what a reverse proxy would answer too.
 */
export function refusedByHttpServer(answer: Answer): boolean {
  return answer.requestIdHeader === null && answer.text === "" && (answer.status === 400 || answer.status === 431);
}

/** Why this answer breaks the contract, or null when it is fine. */
export function judge(op: Operation, answer: Answer): string | null {
  const { status, contentType, text } = answer;
  if (status >= 500) return `server error ${status}: ${text.slice(0, 300)}`;
  if (refusedByHttpServer(answer)) return null;
  // A HEAD answer has no body by definition: only its status can be judged.
  if (answer.method === "HEAD") return null;
  if (status >= 200 && status < 300) {
    if (contentType.includes("application/json") && text !== "") {
      try {
        JSON.parse(text);
      } catch {
        return `${status} with a body that is not JSON although labelled so`;
      }
    }
    return null;
  }
  if (op.html && contentType.includes("text/html") && status >= 400) return null;
  if (!contentType.includes("application/json")) return `${status} answered as "${contentType}", not the JSON error envelope: ${text.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} with a body that is not JSON: ${text.slice(0, 200)}`;
  }
  return envelopeProblem(body, answer.replayed ? null : answer.requestIdHeader);
}

/** `requestIdHeader` null: a replayed answer, whose request id is the first request's. */
function envelopeProblem(body: unknown, requestIdHeader: string | null): string | null {
  const outer = body as { error?: Record<string, unknown> } | null;
  if (!outer || typeof outer !== "object" || Array.isArray(outer) || Object.keys(outer).join() !== "error") return `not the error envelope: ${JSON.stringify(body).slice(0, 200)}`;
  const error = outer.error;
  if (!error || typeof error !== "object") return "error is not an object";
  const extra = Object.keys(error).filter((k) => !["code", "message", "details", "request_id"].includes(k));
  if (extra.length > 0) return `error has unexpected members: ${extra.join(", ")}`;
  if (typeof error.code !== "string" || !CODE.test(error.code)) return `error.code is not a snake_case code: ${JSON.stringify(error.code)}`;
  if (typeof error.message !== "string" || error.message === "") return "error.message is missing";
  if (error.details !== undefined && (typeof error.details !== "object" || error.details === null || Array.isArray(error.details))) return "error.details is not an object";
  if (typeof error.request_id !== "string" || error.request_id === "") return "error.request_id is missing";
  if (requestIdHeader !== null && requestIdHeader !== error.request_id) return `error.request_id ${error.request_id} differs from X-Request-Id ${requestIdHeader}`;
  return null;
}
