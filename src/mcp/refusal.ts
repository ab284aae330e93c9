import type { AppError } from "@/core/errors";
import { errorBody, type ErrorBody } from "@/http/errors";

// A refusal whose envelope is already decided: a payment refused under an Idempotency-Key is
// answered, on every retry, with the first request's envelope and request id (as REST replays
// it), not with this request's.

export class StoredRefusal extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.error.message);
    this.name = "StoredRefusal";
  }

  /** The first request's refusal, named by the first request's id. */
  static of(error: AppError, firstRequestId: string): StoredRefusal {
    return new StoredRefusal(errorBody(error, firstRequestId));
  }

  /** An envelope stored as HTTP (a row from before sql/0014); anything else is not ours to trust. */
  static fromStored(body: unknown): StoredRefusal | undefined {
    // SAFETY: read only through optional members, each checked below.
    const error = (body as { error?: { code?: unknown; message?: unknown; request_id?: unknown } } | null)?.error;
    if (typeof error?.code !== "string" || typeof error.message !== "string" || typeof error.request_id !== "string") return undefined;
    // SAFETY: the three members the envelope requires were just checked; details is optional.
    return new StoredRefusal(body as ErrorBody);
  }
}
