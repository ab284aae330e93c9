import { idempotencyConflict, idempotencyInProgress } from "./errors";
import { decodeOutcome } from "./outcome-codec";
import type { PaymentOutcome } from "./types";

// The one three-way reading of an Idempotency-Key an earlier request holds: still being processed,
// held for another request (another body), or answered: this request gets that answer again.

export interface StoredAnswer {
  request_hash: string;
  /** 0 while the claiming request is in flight. */
  status_code: number;
  response_body: unknown;
}

/** The outcome a request gets from its key's row; undefined when the key is free. */
export function priorOutcome(stored: StoredAnswer | undefined, requestHash: string): PaymentOutcome | undefined {
  if (!stored) return undefined;
  if (stored.status_code === 0) return keyInProgress();
  if (stored.request_hash !== requestHash) return { kind: "refused", error: idempotencyConflict() };
  return decodeOutcome(stored.status_code, stored.response_body);
}

/** A key claimed by a request still in flight (or whose row this request cannot see yet). */
export const keyInProgress = (): PaymentOutcome => ({ kind: "refused", error: idempotencyInProgress() });
